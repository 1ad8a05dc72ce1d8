"""Scoring for the moons classifier: pure helpers shared by training and tests, and the pipeline's
evaluate step (`main`), which scores the deployed model's batch-transform predictions of the test
rows beside a logistic regression trained on the same rows.

Metric lines follow the `name=value;` shape the training job's MetricDefinitions parse, e.g.
`test:accuracy=([0-9\\.]+);` (https://docs.aws.amazon.com/sagemaker/latest/dg/training-metrics.html).
SageMaker's regexes take plain decimals, so values are never printed in exponent notation.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ml_code.common import gate, io, metrics, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError

THRESHOLD = 0.5


def labels_from_scores(scores: ArrayLike, threshold: float = THRESHOLD) -> np.ndarray:
    """Label 1 where P(label = 1) >= threshold."""
    return (np.asarray(scores, dtype=float).ravel() >= threshold).astype(np.int64)


def accuracy_from_scores(y_true: ArrayLike, scores: ArrayLike, threshold: float = THRESHOLD) -> float:
    return metrics.accuracy(y_true, labels_from_scores(scores, threshold))


def log_loss(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Mean binary cross-entropy in nats, the loss `train.fit` minimises. Scores are clipped to
    [1e-7, 1 - 1e-7] so a confident mistake costs about 16 nats, not infinity."""
    y = np.asarray(y_true, dtype=float).ravel()
    p = np.clip(np.asarray(scores, dtype=float).ravel(), 1e-7, 1 - 1e-7)
    if y.shape != p.shape:
        raise ValueError(f"y_true has {y.size} values, scores {p.size}")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def metric_line(name: str, value: float) -> str:
    """`validation:accuracy=0.955556;` with a fixed-point value a MetricDefinitions regex can read."""
    if not np.isfinite(value):
        raise ValueError(f"metric {name} is {value}")
    return f"{name}={value:.6f};"


def linear_baseline(
    train: tuple[np.ndarray, np.ndarray], splits: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, float]:
    """The honest baseline: a logistic regression (a straight boundary) trained on the same rows,
    its accuracy on each split with the same function; the moons are not linearly separable."""
    from sklearn.linear_model import LogisticRegression

    baseline = LogisticRegression().fit(*train)
    return {name: accuracy_from_scores(y, baseline.predict_proba(x)[:, 1]) for name, (x, y) in splits.items()}


def read_scores(folder: Path) -> np.ndarray:
    """P(label = 1) per test row from batch-transform JSON lines `{"score": s, "predicted_label": l}`."""
    path = io.single_file(folder, ("*.out",))
    scores = []
    for row, record in enumerate(io.read_jsonlines(path), start=1):
        score = record.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool) or not math.isfinite(score):
            raise InputError(
                str(path), f"score {score!r}", row=row, field="score", expected="a finite number"
            )
        scores.append(float(score))
    return np.asarray(scores)


@entry_point
def main(argv: list[str] | None = None) -> int:
    from ml_code.moon_classification.preprocess import read_split

    parser = argparse.ArgumentParser(
        prog="python -m ml_code.moon_classification.evaluate", description=__doc__
    )
    parser.add_argument("--input-dir", action="append", help="NAME=PATH: train, test, predictions")
    parser.add_argument("--output-dir", action="append", help="NAME=PATH: evaluation")
    gate.add_arguments(parser)
    args = parser.parse_args(argv)
    bar = gate.from_arguments(parser, args)
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    train, test = (read_split(io.single_file(dirs.input(n), ("*.csv",))) for n in ("train", "test"))
    scores = read_scores(dirs.input("predictions"))
    if scores.size != test[1].size:
        raise InputError(
            str(dirs.input("predictions")), f"{scores.size} predictions for {test[1].size} test rows",
            expected="one per test row",
        )  # fmt: skip
    baseline = linear_baseline(train, {"test": test})
    result = {
        "metrics": {
            "test:accuracy": accuracy_from_scores(test[1], scores),
            "test:log_loss": log_loss(test[1], scores),
        },
        "baselines": {"logistic_regression": {"test:accuracy": baseline["test"]}},
        "n_test": int(test[1].size),
    }
    gate.attach(result, bar)
    io.write_json(dirs.output("evaluation") / "evaluation.json", result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
