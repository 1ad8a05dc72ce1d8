"""Scores LinearLearner's batch-transform predictions of the test split, on the sample and prior-corrected,
beside honest baselines scored the same way (`baselines`).

The bundled data keeps all frauds but about 1 in 231 legitimate transactions, so precision on it
overstates what the model does on real traffic; weighting each example by 1 / (sampling rate of its
class), from `meta/sampling.json`, gives the figures the full population would give.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from ml_code.builtin._csv import read_feature_csv
from ml_code.common import gate, io, metrics, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.fraud_detection import baselines, plots


def read_labels(folder: Path) -> np.ndarray:
    """First column of the label-first test CSV."""
    labels = read_feature_csv(folder)[:, 0]
    bad = np.flatnonzero((labels != 0) & (labels != 1))
    if bad.size:
        raise InputError(
            str(folder), f"label {labels[bad[0]]:g}", row=int(bad[0]) + 1, field="label", expected="0 or 1"
        )
    return labels.astype(int)


def read_predictions(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(scores, predicted labels) from JSON lines of records, or of `{"predictions": [records]}` batches."""
    scores, labels = [], []
    for row, record in enumerate(io.read_jsonlines(path), start=1):
        for item in record["predictions"] if isinstance(record.get("predictions"), list) else [record]:
            if not isinstance(item, dict):
                raise InputError(
                    str(path), "prediction is not an object", row=row, expected='{"score": s, ...}'
                )
            score, label = item.get("score"), item.get("predicted_label")
            if not isinstance(score, int | float) or isinstance(score, bool) or not math.isfinite(score):
                raise InputError(
                    str(path), f"score {score!r}", row=row, field="score", expected="a finite number"
                )
            if label not in (0, 1) or isinstance(label, bool):
                raise InputError(
                    str(path), f"label {label!r}", row=row, field="predicted_label", expected="0 or 1"
                )
            scores.append(float(score))
            labels.append(int(label))
    return np.asarray(scores), np.asarray(labels, dtype=int)


def read_scores(path: Path) -> np.ndarray:
    """Scores from batch-transform output: JSON lines with `score` (LinearLearner), or one number per
    line (XGBoost's text/csv answer for binary:logistic)."""
    first = next((line for line in path.read_text(errors="replace").splitlines() if line.strip()), "")
    if first.lstrip().startswith("{"):
        return read_predictions(path)[0]
    values = []
    for row, line in io.data_lines(path):
        try:
            value = float(line.split(",")[0])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise InputError(str(path), f"{line.strip()[:40]!r}", row=row, expected="a finite score per line")
        values.append(value)
    return np.asarray(values)


def read_sampling_rate(path: Path) -> dict[int, float]:
    try:
        rates = {int(k): float(v) for k, v in json.loads(path.read_text())["sampling_rate"].items()}
    except (json.JSONDecodeError, KeyError, ValueError, TypeError, AttributeError):
        raise InputError(
            str(path), "no usable sampling_rate", field="sampling_rate", expected='{"0": r0, "1": r1}'
        ) from None
    if set(rates) != {0, 1} or not all(0 < r <= 1 for r in rates.values()):
        raise InputError(
            str(path), f"sampling_rate {rates}", field="sampling_rate", expected="rates in (0, 1] for 0 and 1"
        )
    return rates


def evaluate(
    y: np.ndarray, scores: np.ndarray, predicted: np.ndarray, rates: dict[int, float]
) -> dict[str, object]:
    """evaluation.json's content: metrics on the sample and reweighted to the population."""
    weights = metrics.class_weights(y, rates)
    threshold = (
        float(scores[predicted == 1].min()) if predicted.any() else None
    )  # the model's operating point
    values = {
        "test:recall": metrics.recall(y, predicted),
        "test:precision": metrics.precision(y, predicted),
        "test:precision_prior_corrected": metrics.precision(y, predicted, weights),
        "test:accuracy": metrics.accuracy(y, predicted),
        "test:accuracy_prior_corrected": metrics.accuracy(y, predicted, weights),
        "auprc": metrics.average_precision(y, scores),
        "auprc_prior_corrected": metrics.average_precision(y, scores, weights),
    }
    return {
        "metrics": values,
        "confusion_matrix": metrics.confusion(y, predicted),
        "confusion_matrix_prior_corrected": metrics.confusion(y, predicted, weights),
        "threshold": threshold,
        "sampling_rate": {str(k): v for k, v in rates.items()},
        "n_test": {"0": int((y == 0).sum()), "1": int((y == 1).sum())},
    }


def compare_candidates(
    names: list[str], dirs: sm_env.ProcessingDirs, rates: dict[int, float], target_recall: float
) -> tuple[str, dict[str, dict[str, object]], dict[str, np.ndarray]]:
    """Each candidate's holdout scores (`<input name>/validation.csv.out`, `test.csv.out`): its
    operating point is set on validation at the target recall, as the baselines' is; the candidate
    with the higher prior-corrected AUPRC on validation is chosen. Test figures are reported for
    all, so the choice never looks at the test split."""
    y = {split: read_labels(dirs.input(split)) for split in ("validation", "test")}
    weights = {split: metrics.class_weights(labels, rates) for split, labels in y.items()}
    scored: dict[str, dict[str, object]] = {}
    test_scores: dict[str, np.ndarray] = {}
    for name in names:
        scores = {}
        for split in ("validation", "test"):
            path = io.single_file(dirs.input(name), (f"{split}.csv.out",))
            scores[split] = read_scores(path)
            if scores[split].size != y[split].size:
                raise InputError(
                    str(path), f"{scores[split].size} scores for {y[split].size} {split} rows",
                    expected=f"one per {split} row",
                )  # fmt: skip
        threshold = metrics.threshold_at_recall(y["validation"], scores["validation"], target_recall)
        predicted = (scores["test"] >= threshold).astype(int)
        result = evaluate(y["test"], scores["test"], predicted, rates)
        result["threshold"] = threshold
        result["metrics"]["validation:auprc_prior_corrected"] = metrics.average_precision(  # type: ignore[index]
            y["validation"], scores["validation"], weights["validation"]
        )
        scored[name], test_scores[name] = result, scores["test"]
    chosen = max(names, key=lambda n: scored[n]["metrics"]["validation:auprc_prior_corrected"])  # type: ignore[index]
    return chosen, scored, test_scores


def write_report(y: np.ndarray, scores: np.ndarray, result: dict[str, object], out: Path) -> None:
    rates = {int(k): v for k, v in result["sampling_rate"].items()}  # type: ignore[attr-defined]
    weights = metrics.class_weights(y, rates)
    m: dict[str, float] = result["metrics"]  # type: ignore[assignment]
    curves = {
        "sample": metrics.pr_curve(y, scores)[:2],
        "prior-corrected": metrics.pr_curve(y, scores, weights)[:2],
    }
    points = {
        "sample": (m["test:recall"], m["test:precision"]),
        "prior-corrected": (m["test:recall"], m["test:precision_prior_corrected"]),
    }
    plots.precision_recall(curves, points, out / "precision_recall.png")
    plots.confusion_matrix(result["confusion_matrix"], out / "confusion_matrix.png")  # type: ignore[arg-type]


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fraud_detection.evaluate", description=__doc__)
    parser.add_argument("--input-dir", action="append")
    parser.add_argument("--output-dir", action="append")
    parser.add_argument(
        "--baseline-train",
        action="store_true",
        help="fit the logistic-regression baseline on inputs train, validation",
    )
    parser.add_argument(
        "--candidates",
        type=lambda text: [name for name in text.split(",") if name],
        help="models to compare (comma-separated input names, each with validation.csv.out and "
        "test.csv.out); the best on validation is chosen. Without it: input predictions",
    )
    parser.add_argument(
        "--target-recall", type=float, default=0.9, help="the operating point set on validation (default 0.9)"
    )
    gate.add_arguments(parser)
    args = parser.parse_args(argv)
    bar = gate.from_arguments(parser, args)
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    y = read_labels(dirs.input("test"))
    rates = read_sampling_rate(io.single_file(dirs.input("meta"), ("sampling.json",)))
    if args.candidates:
        chosen, candidates, test_scores = compare_candidates(args.candidates, dirs, rates, args.target_recall)
        scores = test_scores[chosen]
        result: dict[str, object] = {**candidates[chosen], "chosen": chosen}
        result["candidates"] = {
            name: {"metrics": c["metrics"], "threshold": c["threshold"]} for name, c in candidates.items()
        }
    else:  # one model, at its own operating point (LinearLearner's predicted_label)
        pred_path = io.single_file(dirs.input("predictions"), ("*.out", "*.jsonl", "*.jsonlines"))
        scores, predicted = read_predictions(pred_path)
        if scores.size != y.size:
            raise InputError(
                str(pred_path),
                f"{scores.size} predictions for {y.size} test rows",
                expected="one per test row",
            )
        result = evaluate(y, scores, predicted, rates)
    weights = metrics.class_weights(y, rates)
    scored = {"majority_class": baselines.majority_class(y, weights)}
    if args.baseline_train:  # the candidate's own training and validation splits
        train, validation = (read_feature_csv(dirs.input(name)) for name in ("train", "validation"))
        test = read_feature_csv(dirs.input("test"))  # label first, as `y` was read
        scored["logistic_regression"] = baselines.logistic_regression(
            train, validation, test, weights, args.target_recall
        )
    result["baselines"] = scored
    gate.attach(result, bar)
    write_report(y, scores, result, dirs.output("report"))
    io.write_json(dirs.output("evaluation") / "evaluation.json", result)
    print(json.dumps(result["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
