"""Report figures of the population segmentation: how much variance the kept components explain,
and what characterises each cluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ml_code.common import plots


def explained_variance(ratio: ArrayLike, top_k: int, path: Path) -> Path:
    """Per-component share of the variance (bars, kept ones highlighted) and the cumulative share."""
    fig, ax = plots.new_figure(8.0, 4.5)
    ratio = np.asarray(ratio, dtype=float)
    positions = np.arange(1, ratio.size + 1)
    colors = ["tab:blue" if i <= top_k else "tab:gray" for i in positions]
    ax.bar(positions, ratio, color=colors, label="component share")
    cumulative = np.cumsum(ratio)
    ax.plot(positions, cumulative, color="tab:orange", marker=".", label="cumulative share")
    ax.axvline(top_k + 0.5, color="black", linestyle="--", linewidth=0.8)
    ax.annotate(f"top {top_k}: {cumulative[top_k - 1]:.4f}", (top_k + 0.7, cumulative[top_k - 1] - 0.08))
    ax.set(xlabel="component (by variance)", ylabel="share of variance", ylim=(0, 1.05),
           title="Explained variance of the principal components")  # fmt: skip
    ax.legend(loc="center right")
    return plots.save(fig, path)


def heat_map(table: pd.DataFrame, title: str, path: Path, *, diverging: bool = False) -> Path:
    """Rows of `table` (clusters) against its columns (features or components), values annotated
    when the grid is small enough to read."""
    fig, ax = plots.new_figure(max(6.0, 0.32 * table.shape[1] + 2.0), max(3.0, 0.45 * table.shape[0] + 1.8))
    values = table.to_numpy(dtype=float)
    if diverging:
        bound = float(np.abs(values).max()) or 1.0
        image = ax.imshow(values, cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto")
    else:
        image = ax.imshow(values, cmap="viridis", aspect="auto")
    ax.set_xticks(np.arange(table.shape[1]), [str(c) for c in table.columns], rotation=90)
    ax.set_yticks(np.arange(table.shape[0]), [str(i) for i in table.index])
    ax.set(xlabel=str(table.columns.name or ""), ylabel=str(table.index.name or ""), title=title)
    if table.size <= 120:
        for (row, col), value in np.ndenumerate(values):
            red, green, blue, _ = image.cmap(image.norm(value))
            color = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"  # luma
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=color)
    fig.colorbar(image, ax=ax)
    return plots.save(fig, path)
