"""Local equivalent of SageMaker's LinearLearner (binary classifier): training job and inference handlers.

`python -m ml_code.builtin.linear_learner train` reads the `train` channel (required) and the
optional `validation` and `test` channels as label-first CSV without a header, trains as
`_linear_training.train` describes, writes `model/linear_learner.json` and prints the metrics the real
algorithm emits (`#metric validation:precision=...`). Inference follows the documented formats:
https://docs.aws.amazon.com/sagemaker/latest/dg/LL-in-formats.html
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ml_code.builtin import _csv, _serving
from ml_code.builtin._linear_config import Hyperparameters
from ml_code.builtin._linear_model import LinearModel, log_loss
from ml_code.builtin._linear_training import train
from ml_code.common import io, metrics, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import BadRequest, InputError

MODEL_FILE = "linear_learner.json"
SEED = 0  # the real algorithm exposes no seed; a fixed one makes local runs reproducible


def read_channel(channel: str, feature_dim: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of a label-first CSV channel; labels must be 0 or 1 for a binary classifier."""
    folder = sm_env.channel_dir(channel)
    label_size = _csv.csv_label_size(channel, _csv.channel_content_type(channel))
    if label_size not in (0, 1):
        raise InputError(f"channel {channel}", f"label_size={label_size}", expected="label_size=1")
    data = _csv.read_feature_csv(folder)
    if data.shape[1] < 2:
        raise InputError(str(folder), f"{data.shape[1]} column", expected="a label then at least one feature")
    y, x = data[:, 0], data[:, 1:]
    if feature_dim is not None and x.shape[1] != feature_dim:
        raise InputError(
            str(folder), f"{x.shape[1]} features", expected=f"feature_dim={feature_dim} features"
        )
    bad = np.flatnonzero((y != 0) & (y != 1))
    if bad.size:
        path, line = _csv.locate_row(folder, int(bad[0]))
        raise InputError(path, f"label {y[bad[0]]:g}", row=line, field="label", expected="0 or 1")
    return x, y.astype(int)


def _metric_lines(split: str, model: LinearModel, data: tuple[np.ndarray, np.ndarray], hp: Hyperparameters,
                  positive_weight: float) -> list[str]:  # fmt: skip
    x, y = data
    scores = model.scores(x)
    labels = model.labels(scores)
    values = {
        "recall": metrics.recall(y, labels),
        "precision": metrics.precision(y, labels),
        "binary_classification_accuracy": metrics.accuracy(y, labels),
        "binary_f_beta": metrics.f_beta(y, labels, hp.beta),
        "objective_loss": log_loss(y, scores, positive_weight),
    }
    return [f"#metric {split}:{name}={value:.6f}" for name, value in values.items()]


def run_training() -> dict[str, float]:
    """Reads every channel before training, so bad input fails the job before any model is written."""
    hp = Hyperparameters.parse(sm_env.hyperparameters())
    x, y = read_channel("train", hp.feature_dim)
    if y.min() == y.max():
        raise InputError("channel train", f"every label is {y[0]}", field="label", expected="both 0 and 1")
    extra = {c: read_channel(c, x.shape[1]) for c in ("validation", "test") if sm_env.has_channel(c)}
    x_val, y_val = extra.get("validation", (None, None))
    result = train(x, y, hp, x_val, y_val, seed=SEED)
    io.write_json(sm_env.model_dir() / MODEL_FILE, {**result.model.to_json(), "chosen": result.chosen})
    weight = result.chosen["positive_example_weight_mult"]
    lines = [f"#metric train:objective_loss={result.train_loss:.6f}"]
    for split, data in extra.items():
        lines += _metric_lines(split, result.model, data, hp, weight)
    print("\n".join(lines), flush=True)
    return {"threshold": result.model.threshold, **result.chosen}


@entry_point
def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["train"]:
        print("usage: python -m ml_code.builtin.linear_learner train", file=sys.stderr)
        return 64
    chosen = run_training()
    print(f"selected model: {json.dumps(chosen)}")
    return 0


# -- inference handlers (SageMaker inference toolkit) -----------------------------------------


def model_fn(model_dir: str) -> LinearModel:
    return LinearModel.from_json(json.loads((Path(model_dir) / MODEL_FILE).read_text()))


def input_fn(body: bytes | str, content_type: str) -> np.ndarray:
    """Rows of features; the feature count is checked against the model in `predict_fn`."""
    return _serving.parse_features(body, content_type)


def predict_fn(data: np.ndarray, model: LinearModel) -> list[dict[str, float | int]]:
    if data.shape[1] != model.feature_dim:
        raise BadRequest(f"each record has {data.shape[1]} features, the model expects {model.feature_dim}")
    scores = model.scores(data)
    return [
        {"score": float(s), "predicted_label": int(label)}
        for s, label in zip(scores, model.labels(scores), strict=True)
    ]


def output_fn(prediction: list[dict[str, float | int]], accept: str) -> bytes:
    return _serving.dump_records(prediction, accept)


if __name__ == "__main__":
    sys.exit(main(None))
