"""Forecast bands against what happened: the picture that tells a trustworthy forecast from a lucky one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ml_code.common.plots import save
from ml_code.power_forecasting.evaluate import WindowForecast


def forecast_bands(
    windows: Sequence[WindowForecast],
    starts: Sequence[pd.Timestamp],
    path: Path,
    *,
    freq: str = "D",
    history: Sequence[np.ndarray] | None = None,
    low: float = 0.1,
    high: float = 0.9,
) -> Path:
    """One panel per window: actuals, the median, the [low, high] quantile band, and recent history."""
    if not windows:
        raise ValueError("no forecast windows to plot")
    fig, axes = plt.subplots(len(windows), 1, figsize=(8, 2.6 * len(windows)), dpi=110, squeeze=False)
    for i, (w, start, ax) in enumerate(zip(windows, starts, axes[:, 0], strict=True)):
        days = pd.date_range(start, periods=len(w.actual), freq=freq)
        if history is not None and len(history[i]):
            h = np.asarray(history[i])
            ax.plot(
                pd.date_range(end=days[0], periods=len(h) + 1, freq=freq)[:-1],
                h,
                color="0.6",
                label="history",
            )
        ax.fill_between(
            days, w.quantiles[low], w.quantiles[high], alpha=0.3, label=f"p{low * 100:.0f}-p{high * 100:.0f}"
        )
        ax.plot(days, w.quantiles.get(0.5, w.mean), color="C0", label="median")
        ax.plot(days, w.actual, color="k", marker=".", linewidth=1, label="actual")
        ax.set_title(f"forecast from {days[0].date()}", fontsize=9)
        ax.set_ylabel("kW (daily mean)")
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    axes[0, 0].legend(loc="upper left", fontsize=8, ncol=4)
    return save(fig, path)
