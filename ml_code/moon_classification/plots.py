"""Decision-boundary figure written to the training job's output data folder (`output.tar.gz`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ml_code.common import plots

Scorer = Callable[[np.ndarray], np.ndarray]  # (n, 2) points -> (n,) P(label = 1)


def score_grid(
    score: Scorer, features: np.ndarray, steps: int = 200, margin: float = 0.5
) -> tuple[np.ndarray, ...]:
    """(xx, yy, scores) on a grid spanning the data plus a margin, for a filled contour."""
    lo, hi = features.min(axis=0) - margin, features.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    scores = score(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    return xx, yy, scores


def decision_boundary(
    path: Path, score: Scorer, splits: dict[str, tuple[np.ndarray, np.ndarray]], title: str
) -> Path:
    """P(label = 1) shaded, the 0.5 contour drawn, each split's points marked by class."""
    everything = np.vstack([features for features, _ in splits.values()])
    xx, yy, scores = score_grid(score, everything)
    fig, ax = plots.new_figure(7.0, 5.0)
    filled = ax.contourf(xx, yy, scores, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(xx, yy, scores, levels=[0.5], colors="black", linewidths=1.2)
    fig.colorbar(filled, ax=ax, label="P(label = 1)")
    markers = {"train": "o", "validation": "s", "test": "^"}
    for name, (features, labels) in splits.items():
        ax.scatter(
            features[:, 0],
            features[:, 1],
            c=labels,
            cmap="RdBu_r",
            vmin=0,
            vmax=1,
            marker=markers.get(name, "o"),
            s=14,
            edgecolors="black",
            linewidths=0.3,
            label=f"{name} ({labels.size})",
        )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    return plots.save(fig, path)
