"""Pure scoring helpers for the moons classifier, shared by training and tests.

Metric lines follow the `name=value;` shape the training job's MetricDefinitions parse, e.g.
`test:accuracy=([0-9\\.]+);` (https://docs.aws.amazon.com/sagemaker/latest/dg/training-metrics.html).
SageMaker's regexes take plain decimals, so values are never printed in exponent notation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ml_code.common import metrics

THRESHOLD = 0.5


def labels_from_scores(scores: ArrayLike, threshold: float = THRESHOLD) -> np.ndarray:
    """Label 1 where P(label = 1) >= threshold."""
    return (np.asarray(scores, dtype=float).ravel() >= threshold).astype(np.int64)


def accuracy_from_scores(y_true: ArrayLike, scores: ArrayLike, threshold: float = THRESHOLD) -> float:
    return metrics.accuracy(y_true, labels_from_scores(scores, threshold))


def metric_line(name: str, value: float) -> str:
    """`validation:accuracy=0.955556;` with a fixed-point value a MetricDefinitions regex can read."""
    if not np.isfinite(value):
        raise ValueError(f"metric {name} is {value}")
    return f"{name}={value:.6f};"


def linear_baseline(
    train: tuple[np.ndarray, np.ndarray], splits: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, float]:
    """The honest baseline: a logistic regression (a straight boundary) trained on the same rows,
    its accuracy on each split with the same function; the moons are not linearly separable."""
    from sklearn.linear_model import LogisticRegression

    baseline = LogisticRegression().fit(*train)
    return {name: accuracy_from_scores(y, baseline.predict_proba(x)[:, 1]) for name, (x, y) in splits.items()}
