"""Local equivalent of SageMaker's built-in DeepAR forecasting algorithm, on GluonTS's PyTorch DeepAR.

`python -m ml_code.builtin.deepar train` reads the `train` channel (and `test` if given), takes the
hyperparameters by their SageMaker names, saves the model to the model folder and, on a test channel,
prints `#metric test:RMSE=...` and `#metric test:mean_wQuantileLoss=...` as DeepAR does
(https://docs.aws.amazon.com/sagemaker/latest/dg/deepar-tuning.html). Inference handlers are
re-exported from `_deepar_serving`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ml_code.builtin import _deepar_model
from ml_code.builtin._deepar_config import DeepARConfig, parse
from ml_code.builtin._deepar_data import RecordError, Series, read_channel
from ml_code.builtin._deepar_features import Features, check, resolve
from ml_code.builtin._deepar_serving import input_fn, model_fn, output_fn, predict_fn
from ml_code.common import sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.common.io import write_jsonlines
from ml_code.power_forecasting.evaluate import from_samples, score
from ml_code.power_forecasting.plots import forecast_bands

if TYPE_CHECKING:  # GluonTS is imported in _deepar_model, after its import warning is silenced
    from gluonts.torch.model.predictor import PyTorchPredictor

__all__ = ["input_fn", "main", "model_fn", "output_fn", "predict_fn"]


def _checked(
    channel: str, config: DeepARConfig, features: Features | None = None
) -> tuple[list[Series], Features]:
    folder = sm_env.channel_dir(channel)
    series = read_channel(folder)
    features = features or resolve(config, series, str(folder))
    for i, s in enumerate(series):
        try:
            check(s, features, extra_steps=0)
        except RecordError as exc:
            raise InputError(str(folder), f"series {i + 1}: {exc}", field=exc.field) from None
        if channel == "test" and (
            len(s.target) <= config.prediction_length or np.isnan(s.target[-config.prediction_length :]).any()
        ):
            n = config.prediction_length
            raise InputError(
                str(folder), f"series {i + 1} has no complete last {n} points to score",
                field="target", expected=f"more than {n} points, the last {n} observed",
            )  # fmt: skip
    return series, features


def evaluate(
    predictor: PyTorchPredictor, config: DeepARConfig, features: Features, test: list[Series], out: Path
) -> None:
    """Forecast each test series' last prediction_length points from what precedes them, and score it."""
    pl, qs = config.prediction_length, config.test_quantiles
    paths = _deepar_model.forecast(
        predictor, config, features, test, num_samples=config.num_eval_samples, drop_last=pl
    )
    windows = [from_samples(s.target[-pl:], p, qs) for s, p in zip(test, paths, strict=True)]
    scores = score(windows, qs)
    for name in ("RMSE", "mean_wQuantileLoss", *(f"wQuantileLoss[{q}]" for q in qs)):
        print(f"#metric test:{name}={scores[name]:.6f}", flush=True)
    starts = [(s.start.to_period(config.pandas_freq) + len(s.target) - pl).start_time for s in test]
    write_jsonlines(
        out / "test_forecasts.json",
        (
            {"start": str(start), "actual": w.actual.tolist(), "mean": w.mean.tolist(),
             "quantiles": {str(q): w.quantiles[q].tolist() for q in qs}}
            for start, w in zip(starts, windows, strict=True)
        ),
    )  # fmt: skip
    forecast_bands(
        windows, starts, out / "forecast_bands.png", freq=config.pandas_freq,
        history=[s.target[-pl - 3 * pl : -pl] for s in test], low=min(qs), high=max(qs),
    )  # fmt: skip


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SageMaker DeepAR, locally")
    parser.add_argument(
        "command", choices=["train"], help="SageMaker starts training containers with `train`"
    )
    parser.parse_args(argv)
    config = parse(sm_env.hyperparameters())
    train_series, features = _checked("train", config)
    test = _checked("test", config, features)[0] if sm_env.has_channel("test") else []
    started = time.perf_counter()
    predictor, loss = _deepar_model.train(config, features, train_series)
    print(f"trained in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"#metric train:final_loss={loss:.6f}", flush=True)
    meta = {"hyperparameters": config.to_json(), "features": features.to_json()}
    _deepar_model.save(predictor, meta, sm_env.model_dir())
    if test:
        out = sm_env.output_data_dir()
        out.mkdir(parents=True, exist_ok=True)
        evaluate(predictor, config, features, test, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
