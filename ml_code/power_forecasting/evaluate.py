"""Forecast scores as DeepAR reports them, and the naive baseline a forecast must beat.

DeepAR scores a test channel by forecasting the last `prediction_length` points of each series from
what precedes them (https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html#deepar-inputoutput):
RMSE on the mean forecast, and wQuantileLoss[q] = 2 * sum(pinball_q) / sum(|actual|), both pooled
over all series. The baseline repeats the mean of the last `prediction_length` observed points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ml_code.common import metrics


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


def naive_window(target: ArrayLike, prediction_length: int, quantiles: Sequence[float]) -> WindowForecast:
    history, actual = split_window(target, prediction_length)
    point = naive_forecast(history, prediction_length)
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
