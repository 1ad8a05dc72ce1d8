"""Honest baselines for the fraud detector, scored on the same test split with the same metric
functions as the candidate: the majority class (flag nothing) and a logistic regression trained on
the same training split, its threshold placed on the validation split at the target recall (the
contract LinearLearner's `precision_at_target_recall` follows), with the same class balancing.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ml_code.common import metrics


def scored(y: np.ndarray, scores: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """The figures the gate and the report compare, for any model's test predictions."""
    return {
        "test:recall": metrics.recall(y, predicted),
        "test:precision_prior_corrected": metrics.precision(y, predicted, weights),
        "auprc_prior_corrected": metrics.average_precision(y, scores, weights),
    }


def majority_class(y: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """Predict the majority class (legitimate) for every row, with a constant score."""
    return scored(y, np.zeros(y.size), np.zeros(y.size, dtype=int), weights)


def logistic_regression(
    train: np.ndarray,
    validation: np.ndarray,
    test: np.ndarray,
    weights: np.ndarray,
    target_recall: float,
    seed: int = 0,
) -> dict[str, float]:
    """Label-first arrays; fit on `train`, threshold on `validation`, score `test`."""
    # standardized, as LinearLearner normalizes its features by default
    model = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed)
    )
    model.fit(train[:, 1:], train[:, 0].astype(int))
    threshold = metrics.threshold_at_recall(
        validation[:, 0].astype(int), model.predict_proba(validation[:, 1:])[:, 1], target_recall
    )
    scores = model.predict_proba(test[:, 1:])[:, 1]
    return scored(test[:, 0].astype(int), scores, (scores >= threshold).astype(int), weights)
