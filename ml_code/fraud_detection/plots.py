"""The fraud report's figures: precision-recall curves (sample, prior-corrected) and the confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml_code.common import plots


def precision_recall(
    curves: dict[str, tuple[np.ndarray, np.ndarray]], points: dict[str, tuple[float, float]], path: Path
) -> Path:
    """One step curve per name (precision, recall) and the model's operating point on each."""
    fig, ax = plots.new_figure()
    for (name, (prec, rec)), color in zip(
        curves.items(), ("tab:blue", "tab:orange", "tab:green"), strict=False
    ):
        ax.step(np.r_[0.0, rec], np.r_[prec[:1], prec], where="post", color=color, label=name)
        if name in points:
            r, p = points[name]
            ax.plot(
                [r], [p], "o", color=color, label=f"{name}: threshold (recall {r:.3f}, precision {p:.3f})"
            )
    ax.set(
        xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02), title="Precision-recall on test"
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    return plots.save(fig, path)


def confusion_matrix(
    counts: dict[str, float], path: Path, title: str = "Confusion matrix (test sample)"
) -> Path:
    """2x2 grid, rows actual (legitimate, fraud), columns predicted."""
    grid = np.array([[counts["tn"], counts["fp"]], [counts["fn"], counts["tp"]]])
    fig, ax = plots.new_figure(4.5, 4.0)
    ax.imshow(grid, cmap="Blues")
    for (i, j), value in np.ndenumerate(grid):
        dark = value > grid.max() / 2
        ax.text(j, i, f"{value:g}", ha="center", va="center", color="white" if dark else "black")
    ax.set_xticks([0, 1], ["legitimate", "fraud"])
    ax.set_yticks([0, 1], ["legitimate", "fraud"])
    ax.set(xlabel="predicted", ylabel="actual", title=title)
    return plots.save(fig, path)
