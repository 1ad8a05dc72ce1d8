"""Local equivalent of SageMaker's built-in XGBoost algorithm (the `sagemaker-xgboost` image, 3.0-5):
training job and inference handlers, on the XGBoost release that image ships.

`python -m ml_code.builtin.xgboost train` reads the `train` channel and the optional `validation`
channel (text/csv, the label first, no header), validates the hyperparameters as the container does
(`num_round` required, unknown names refused), trains, prints each round's evaluation line as XGBoost
does (`[12]<TAB>train-aucpr:0.97<TAB>validation-aucpr:0.81`, which SageMaker's metric regexes read,
see `_xgboost_metrics`), then the last round's values as `#metric validation:aucpr=0.81000` lines,
the form the other local built-ins use, and saves the booster as `xgboost-model` in the model folder.
Inference: `_xgboost_serving`. https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import xgboost as xgb

from ml_code.builtin import _xgboost_serving as serving
from ml_code.builtin._xgboost_config import TrainingConfig
from ml_code.builtin._xgboost_data import Channel, read_channel
from ml_code.builtin._xgboost_metrics import metric_lines
from ml_code.builtin._xgboost_serving import MODEL_FILE, Request, XGBoostModel
from ml_code.builtin._xgboost_training import Trained, train
from ml_code.common import io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError

__all__ = [
    "DEFAULT_ACCEPT",
    "MODEL_FILE",
    "input_fn",
    "main",
    "model_fn",
    "output_fn",
    "predict_fn",
    "run_training",
    "save_model",
]


DEFAULT_ACCEPT = "text/csv"  # the container's answer to `Accept: */*` (or none)


def _check_labels(channel: Channel, config: TrainingConfig) -> None:
    """Labels the objective can learn, refused by file and line before XGBoost refuses them in bulk:
    [0, 1] for the logistic objectives, a class index below num_class for multi-class ones."""
    objective, num_class = config.objective, int(config.params.get("num_class", 0))
    if objective.startswith("binary:") or objective == "reg:logistic":
        bad, expected = (channel.y < 0) | (channel.y > 1), "a number in [0, 1]"
    elif objective.startswith("multi:"):
        bad = (channel.y < 0) | (channel.y >= num_class) | (channel.y != np.round(channel.y))
        expected = f"a class index 0..{num_class - 1}"
    else:
        return
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        path, line = channel.locate(index)
        raise InputError(path, f"label {channel.y[index]:g}", row=line, field="label", expected=expected)


def save_model(booster: xgb.Booster, model_dir: Path) -> Path:
    """`xgboost-model` as the container saves it: no extension, so XGBoost writes its default
    format, UBJSON (and warns about the choice, which is silenced here)."""
    with io.atomic_path(model_dir / MODEL_FILE) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        booster.save_model(str(tmp))
    return model_dir / MODEL_FILE


def run_training() -> Trained:
    """Reads and checks every input before training, so bad input fails before a model is written."""
    config = TrainingConfig.parse(sm_env.hyperparameters())
    data = read_channel("train", config.csv_weights)
    _check_labels(data, config)
    validation = read_channel("validation", config.csv_weights) if sm_env.has_channel("validation") else None
    if validation is not None:
        _check_labels(validation, config)
        if validation.x.shape[1] != data.x.shape[1]:
            found = f"{validation.x.shape[1]} features"
            raise InputError(str(validation.folder), found, expected=f"{data.x.shape[1]}, as in train")
    result = train(config, data, validation)
    save_model(result.booster, sm_env.model_dir())
    for line in metric_lines(result.history):
        print(line, flush=True)
    return result


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SageMaker XGBoost, locally")
    parser.add_argument(
        "command", choices=["train"], help="SageMaker starts training containers with `train`"
    )
    parser.parse_args(argv)
    result = run_training()
    print(f"saved {MODEL_FILE}: {result.booster.num_boosted_rounds()} rounds", flush=True)
    return 0


# -- inference handlers (SageMaker inference toolkit) -----------------------------------------


def model_fn(model_dir: str) -> XGBoostModel:
    return serving.load(Path(model_dir))


def input_fn(body: bytes | str, content_type: str) -> Request:
    return serving.parse(body, content_type)


def predict_fn(data: Request, model: XGBoostModel) -> np.ndarray:
    return serving.predict(data, model)


def output_fn(prediction: np.ndarray, accept: str) -> bytes:
    return serving.encode(prediction, accept)


if __name__ == "__main__":
    raise SystemExit(main(None))
