"""Figures are written to PNG atomically with a non-interactive backend (containers have no display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ml_code.common.io import atomic_path


def new_figure(width: float = 7.0, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    return fig, ax


def save(fig: Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.tight_layout()
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path
