"""Metric functions against values worked out by hand and against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from ml_code.common import metrics as m

Y = [1, 1, 1, 0, 0, 0, 0, 0]
P = [1, 1, 0, 1, 0, 0, 0, 0]


def test_confusion_precision_recall_accuracy() -> None:
    assert m.confusion(Y, P) == {"tp": 2.0, "fp": 1.0, "tn": 4.0, "fn": 1.0}
    assert m.precision(Y, P) == pytest.approx(2 / 3)
    assert m.recall(Y, P) == pytest.approx(2 / 3)
    assert m.accuracy(Y, P) == pytest.approx(6 / 8)
    assert m.f_beta(Y, P, beta=1.0) == pytest.approx(2 / 3)


def test_empty_denominators_are_zero_not_nan() -> None:
    assert m.precision([0, 0], [0, 0]) == 0.0
    assert m.recall([0, 0], [0, 0]) == 0.0


def test_prior_corrected_precision_weights_negatives_by_inverse_sampling_rate() -> None:
    # 1 false positive among legitimate rows sampled at 1/10 stands for 10 on the full data.
    weights = m.class_weights(Y, {0: 0.1, 1: 1.0})
    assert m.precision(Y, P, weights) == pytest.approx(2 / (2 + 10))
    assert m.recall(Y, P, weights) == pytest.approx(2 / 3)


def test_class_weights_rejects_bad_rates() -> None:
    with pytest.raises(ValueError, match="sampling rates"):
        m.class_weights([0, 1], {0: 0.0, 1: 1.0})


def test_average_precision_matches_scikit_learn_with_and_without_weights() -> None:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 300)
    s = rng.random(300) + 0.4 * y
    w = rng.random(300) + 0.5
    assert m.average_precision(y, s) == pytest.approx(average_precision_score(y, s))
    assert m.average_precision(y, s, w) == pytest.approx(average_precision_score(y, s, sample_weight=w))


def test_threshold_at_recall_is_the_highest_threshold_reaching_it() -> None:
    y = [1, 0, 1, 0, 1, 0]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.1]
    assert m.threshold_at_recall(y, s, 0.6) == 0.7  # 2 of 3 positives
    assert m.threshold_at_recall(y, s, 1.0) == 0.5


def test_rmse_and_weighted_quantile_loss_known_values() -> None:
    assert m.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))
    # q=0.5: 2 * sum(0.5*|d|) / sum|a| = sum|d| / sum|a|
    assert m.weighted_quantile_loss([2, 2], [1, 3], 0.5) == pytest.approx(2 / 4)
    # q=0.9, under-forecast by 1 twice: 2 * 0.9 * 2 / 4
    assert m.weighted_quantile_loss([2, 2], [1, 1], 0.9) == pytest.approx(0.9)
    quantiles = [0.1, 0.9]
    forecasts = {0.1: [1, 1], 0.9: [1, 1]}
    assert m.mean_weighted_quantile_loss([2, 2], forecasts, quantiles) == pytest.approx((0.1 + 0.9) / 2)


def test_explained_variance_ratio_sorts_components() -> None:
    assert m.explained_variance_ratio([1, 4, 3, 2], top_k=2) == pytest.approx(7 / 10)
