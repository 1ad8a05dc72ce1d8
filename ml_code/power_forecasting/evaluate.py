"""Forecast scores as DeepAR reports them, and the naive baselines a forecast must beat.

DeepAR scores a test channel by forecasting the last `prediction_length` points of each series from
what precedes them (https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html#deepar-inputoutput):
RMSE on the mean forecast, and wQuantileLoss[q] = 2 * sum(pinball_q) / sum(|actual|), both pooled
over all series. The pipeline's evaluate step (`main`) scores the deployed model's batch-transform
forecasts of those windows that way, beside two baselines scored by the same functions: the mean of
the last `prediction_length` observed points repeated (`naive_last_<n>`), and the last observed week
repeated (`seasonal_naive`, the same weekdays a week earlier).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ml_code.common import gate, io, metrics, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError

SEASON = 7  # days: the seasonal-naive baseline repeats the last observed week


@dataclass(frozen=True)
class WindowForecast:
    """One test window: the actual values and the forecast's mean and quantile paths."""

    actual: np.ndarray
    mean: np.ndarray
    quantiles: dict[float, np.ndarray]


def split_window(target: ArrayLike, prediction_length: int) -> tuple[np.ndarray, np.ndarray]:
    """(history, the last prediction_length points) of a test series."""
    t = np.asarray(target, dtype=float)
    if not 0 < prediction_length < t.size:
        raise ValueError(f"series of {t.size} points has no window of {prediction_length}")
    return t[:-prediction_length], t[-prediction_length:]


def from_samples(actual: ArrayLike, samples: ArrayLike, quantiles: Sequence[float]) -> WindowForecast:
    """Mean and empirical quantiles of sample paths shaped (num_samples, prediction_length)."""
    s = np.asarray(samples, dtype=float)
    qs = np.quantile(s, list(quantiles), axis=0)
    return WindowForecast(
        np.asarray(actual, dtype=float), s.mean(axis=0), dict(zip(quantiles, qs, strict=True))
    )


def naive_forecast(history: ArrayLike, prediction_length: int) -> np.ndarray:
    """Repeat the mean of the last prediction_length points (a point forecast: every quantile is it)."""
    h = np.asarray(history, dtype=float)
    return np.full(prediction_length, np.nanmean(h[-prediction_length:]))


def seasonal_naive_forecast(history: ArrayLike, prediction_length: int, season: int = SEASON) -> np.ndarray:
    """The last `season` points repeated: each day is forecast as the same weekday a week earlier."""
    h = np.asarray(history, dtype=float)
    if h.size < season:
        raise ValueError(f"history of {h.size} points is shorter than a season of {season}")
    return np.resize(h[-season:], prediction_length)


def naive_window(
    target: ArrayLike, prediction_length: int, quantiles: Sequence[float], *, seasonal: bool = False
) -> WindowForecast:
    history, actual = split_window(target, prediction_length)
    forecast = seasonal_naive_forecast if seasonal else naive_forecast
    point = forecast(history, prediction_length)
    return WindowForecast(actual, point, {q: point for q in quantiles})


def score(windows: Sequence[WindowForecast], quantiles: Sequence[float]) -> dict[str, float]:
    """`RMSE`, `mean_wQuantileLoss` and `wQuantileLoss[q]` pooled over all windows (DeepAR's names)."""
    if not windows:
        raise ValueError("no forecast windows to score")
    actual = np.concatenate([w.actual for w in windows])
    out = {"RMSE": metrics.rmse(actual, np.concatenate([w.mean for w in windows]))}
    pooled: dict[float, ArrayLike] = {q: np.concatenate([w.quantiles[q] for w in windows]) for q in quantiles}
    for q in quantiles:
        out[f"wQuantileLoss[{q}]"] = metrics.weighted_quantile_loss(actual, pooled[q], q)
    out["mean_wQuantileLoss"] = metrics.mean_weighted_quantile_loss(actual, pooled, quantiles)
    return out


def read_forecasts(path: Path, count: int, prediction_length: int) -> list[dict[str, Any]]:
    """Batch-transform output: one JSON line per input series with `mean` and `quantiles`."""
    records = io.read_jsonlines(path)
    if len(records) != count:
        raise InputError(str(path), f"{len(records)} forecasts for {count} series", expected="one per series")
    for row, record in enumerate(records, start=1):
        paths = [record.get("mean"), *(record.get("quantiles") or {}).values()]
        if not record.get("quantiles") or any(
            not isinstance(p, list) or len(p) != prediction_length for p in paths
        ):
            raise InputError(
                str(path), "forecast lacks a mean or quantiles of the horizon's length", row=row,
                field="mean, quantiles", expected=f"{prediction_length} values each",
            )  # fmt: skip
    return records


def evaluate(test: list[dict[str, Any]], forecasts: list[dict[str, Any]], prediction_length: int) -> dict:
    """evaluation.json: the candidate's scores and the baselines', on the last `prediction_length`
    points of each test series, at the quantiles the forecasts carry."""
    quantiles = sorted(float(q) for q in forecasts[0]["quantiles"])
    windows, naive, seasonal = [], [], []
    for series, forecast in zip(test, forecasts, strict=True):
        actual = split_window(series["target"], prediction_length)[1]
        by_level = {float(q): np.asarray(v, dtype=float) for q, v in forecast["quantiles"].items()}
        windows.append(WindowForecast(actual, np.asarray(forecast["mean"], dtype=float), by_level))
        naive.append(naive_window(series["target"], prediction_length, quantiles))
        seasonal.append(naive_window(series["target"], prediction_length, quantiles, seasonal=True))

    def named(scores: dict[str, float]) -> dict[str, float]:
        return {f"test:{k}": round(v, 6) for k, v in scores.items()}  # DeepAR's log precision

    return {
        "metrics": named(score(windows, quantiles)),
        "baselines": {
            f"naive_last_{prediction_length}": named(score(naive, quantiles)),
            "seasonal_naive": named(score(seasonal, quantiles)),
        },
        "windows": [
            {
                "start": str(
                    pd.Timestamp(s["start"]) + pd.Timedelta(days=len(s["target"]) - prediction_length)
                ),
                "days": prediction_length,
            }
            for s in test
        ],
        "quantiles": quantiles,
    }


def _plot(
    test: list[dict[str, Any]], result: dict, forecasts: list[dict[str, Any]], pl: int, out: Path
) -> None:
    from ml_code.power_forecasting.plots import forecast_bands

    quantiles = result["quantiles"]
    windows = [
        WindowForecast(
            np.asarray(s["target"][-pl:], dtype=float), np.asarray(f["mean"], dtype=float),
            {float(q): np.asarray(v, dtype=float) for q, v in f["quantiles"].items()},
        )
        for s, f in zip(test, forecasts, strict=True)
    ]  # fmt: skip
    forecast_bands(
        windows, [pd.Timestamp(w["start"]) for w in result["windows"]], out / "forecast_bands.png",
        history=[np.asarray(s["target"][-4 * pl : -pl], dtype=float) for s in test],
        low=min(quantiles), high=max(quantiles),
    )  # fmt: skip


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml_code.power_forecasting.evaluate", description=__doc__)
    parser.add_argument("--prediction-length", type=int, default=30, help="the horizon scored (default 30)")
    parser.add_argument("--input-dir", action="append", help="NAME=PATH: test, forecasts")
    parser.add_argument("--output-dir", action="append", help="NAME=PATH: evaluation, report")
    gate.add_arguments(parser)
    args = parser.parse_args(argv)
    bar = gate.from_arguments(parser, args)
    if args.prediction_length < 1:
        parser.error("--prediction-length must be at least 1")
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    test_path = io.single_file(dirs.input("test"), ("*.json", "*.jsonl", "*.jsonlines"))
    test = io.read_jsonlines(test_path)
    for row, series in enumerate(test, start=1):
        target = series.get("target")
        if not isinstance(target, list) or len(target) <= args.prediction_length + SEASON:
            raise InputError(
                str(test_path), "series too short to score", row=row, field="target",
                expected=f"more than {args.prediction_length + SEASON} values",
            )  # fmt: skip
    forecasts_path = io.single_file(dirs.input("forecasts"), ("*.out",))
    forecasts = read_forecasts(forecasts_path, len(test), args.prediction_length)
    result = gate.attach(evaluate(test, forecasts, args.prediction_length), bar)
    _plot(test, result, forecasts, args.prediction_length, dirs.output("report"))
    io.write_json(dirs.output("evaluation") / "evaluation.json", result)
    print(json.dumps({"metrics": result["metrics"], "baselines": result["baselines"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
