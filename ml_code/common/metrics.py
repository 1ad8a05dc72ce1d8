"""Metrics as small pure functions over numpy arrays, named as SageMaker names them where it does.

Prior correction: the bundled fraud data keeps every fraud but only a sample of legitimate
transactions, so raw precision overstates what the model achieves on real traffic. Weighting each
example by 1 / (sampling rate of its class) gives the figure the full data would give.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def _arrays(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true).astype(int).ravel(), np.asarray(y_pred).astype(int).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} values, y_pred {p.size}")
    return t, p


def confusion(y_true: ArrayLike, y_pred: ArrayLike, weights: ArrayLike | None = None) -> dict[str, float]:
    """Weighted binary confusion counts: tp, fp, tn, fn."""
    t, p = _arrays(y_true, y_pred)
    w = np.ones(t.size) if weights is None else np.asarray(weights, dtype=float).ravel()
    return {
        "tp": float(w[(t == 1) & (p == 1)].sum()),
        "fp": float(w[(t == 0) & (p == 1)].sum()),
        "tn": float(w[(t == 0) & (p == 0)].sum()),
        "fn": float(w[(t == 1) & (p == 0)].sum()),
    }


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def precision(y_true: ArrayLike, y_pred: ArrayLike, weights: ArrayLike | None = None) -> float:
    c = confusion(y_true, y_pred, weights)
    return _ratio(c["tp"], c["tp"] + c["fp"])


def recall(y_true: ArrayLike, y_pred: ArrayLike, weights: ArrayLike | None = None) -> float:
    c = confusion(y_true, y_pred, weights)
    return _ratio(c["tp"], c["tp"] + c["fn"])


def accuracy(y_true: ArrayLike, y_pred: ArrayLike, weights: ArrayLike | None = None) -> float:
    c = confusion(y_true, y_pred, weights)
    return _ratio(c["tp"] + c["tn"], sum(c.values()))


def f_beta(
    y_true: ArrayLike, y_pred: ArrayLike, beta: float = 1.0, weights: ArrayLike | None = None
) -> float:
    p, r = precision(y_true, y_pred, weights), recall(y_true, y_pred, weights)
    b2 = beta * beta
    return _ratio((1 + b2) * p * r, b2 * p + r)


def class_weights(y_true: ArrayLike, sampling_rate: dict[int, float]) -> np.ndarray:
    """Per-example weight 1 / sampling rate of its class (1.0 everywhere on unsampled data)."""
    t = np.asarray(y_true).astype(int).ravel()
    rates = np.array([sampling_rate[int(c)] for c in t], dtype=float)
    if np.any(rates <= 0) or np.any(rates > 1):
        raise ValueError(f"sampling rates must be in (0, 1], got {sampling_rate}")
    return 1.0 / rates


def pr_curve(
    y_true: ArrayLike, scores: ArrayLike, weights: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, threshold) at each distinct score, thresholds descending; 1 if score >= t."""
    t = np.asarray(y_true).astype(int).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    w = np.ones(t.size) if weights is None else np.asarray(weights, dtype=float).ravel()
    order = np.argsort(-s, kind="mergesort")
    s, t, w = s[order], t[order], w[order]
    tp = np.cumsum(w * (t == 1))
    fp = np.cumsum(w * (t == 0))
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # last index of each distinct score
    tp, fp = tp[last], fp[last]
    positives = tp[-1] if tp.size else 0.0
    prec = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    rec = tp / positives if positives > 0 else np.zeros_like(tp)
    return prec, rec, s[last]


def average_precision(y_true: ArrayLike, scores: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Area under the precision-recall curve as the step sum over recall (scikit-learn's definition)."""
    prec, rec, _ = pr_curve(y_true, scores, weights)
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def threshold_at_recall(y_true: ArrayLike, scores: ArrayLike, target_recall: float) -> float:
    """Highest threshold whose recall reaches `target_recall` (LinearLearner's precision_at_target_recall)."""
    _, rec, thr = pr_curve(y_true, scores)
    reached = np.flatnonzero(rec >= target_recall)
    if reached.size == 0:
        return float(thr[-1])
    return float(thr[reached[0]])


def rmse(actual: ArrayLike, predicted: ArrayLike) -> float:
    a, p = np.asarray(actual, dtype=float).ravel(), np.asarray(predicted, dtype=float).ravel()
    return float(np.sqrt(np.mean((a - p) ** 2)))


def weighted_quantile_loss(actual: ArrayLike, quantile_forecast: ArrayLike, q: float) -> float:
    """DeepAR's wQuantileLoss[q] = 2 * sum(pinball loss) / sum(|actual|)."""
    a, f = np.asarray(actual, dtype=float).ravel(), np.asarray(quantile_forecast, dtype=float).ravel()
    diff = a - f
    loss = np.sum(np.maximum(q * diff, (q - 1) * diff))
    return float(2 * loss / np.sum(np.abs(a)))


def mean_weighted_quantile_loss(
    actual: ArrayLike, quantile_forecasts: dict[float, ArrayLike], quantiles: Sequence[float]
) -> float:
    return float(np.mean([weighted_quantile_loss(actual, quantile_forecasts[q], q) for q in quantiles]))


def explained_variance_ratio(component_variances: ArrayLike, top_k: int) -> float:
    """Share of the variance in the `top_k` largest components (the census notebook's 0.8017 for k=7)."""
    v = np.sort(np.asarray(component_variances, dtype=float).ravel())[::-1]
    return float(v[:top_k].sum() / v.sum())
