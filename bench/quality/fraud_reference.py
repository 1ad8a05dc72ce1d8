"""What the bundled fraud sample allows: scikit-learn reference models on the fraud bench's own folds.

The LinearLearner misses the seed's 0.112 prior-corrected precision at recall 0.90 on the sample
(`fraud.py`). These references use the same outer folds, the same prior correction and the same
pooled figures, so they show whether the shortfall is the algorithm's or the sample's:

- `logistic_validation_split`: a logistic regression where the LinearLearner stands, with its
  threshold calibrated on the same 30% validation carve (the LinearLearner's contract: it
  calibrates on its validation channel);
- `logistic_inner_cv`: the same model trained on all training folds, with the threshold taken from
  out-of-fold scores of an inner 5-fold CV on those folds: 394 frauds to place the threshold
  instead of 118. No built-in algorithm works this way; it measures what a better-placed threshold
  buys;
- `gradient_boosting_validation_split`: a non-linear model under the LinearLearner's protocol.

At recall 0.90 the precision sits on a cliff: the last few frauds to catch lie inside the
legitimate cloud, and each legitimate row flagged counts 231 times after the prior correction,
so these figures move by +-0.03 between fold seeds (README, Benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from bench.quality import fraud
from ml_code.common import io, metrics
from ml_code.fraud_detection import preprocess

SEEDS = (fraud.SEED, 1, 2, 3)  # the bench's fold seed first; 1-3 are the seeds its settings were tuned on
Model = Callable[[], Pipeline | HistGradientBoostingClassifier]


def _logistic() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=5000))


def _boosting() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=fraud.SEED)


def _score(model: Pipeline | HistGradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_proba(x)[:, 1])


def _labels(make: Model, x: np.ndarray, y: np.ndarray, *, inner_cv: bool, seed: int) -> np.ndarray:
    labels = np.zeros(y.size, dtype=bool)
    folds = StratifiedKFold(fraud.FOLDS, shuffle=True, random_state=seed).split(x, y)
    for fold, (fit, held_out) in enumerate(folds):
        if inner_cv:
            inner = StratifiedKFold(fraud.FOLDS, shuffle=True, random_state=seed + fold)
            oof = cross_val_predict(make(), x[fit], y[fit], cv=inner, method="predict_proba")[:, 1]
            threshold = metrics.threshold_at_recall(y[fit], oof, fraud.TARGETS["recall"])
            model = make().fit(x[fit], y[fit])
        else:
            train_rows, val_rows = train_test_split(
                fit, test_size=fraud.VALIDATION_FRACTION, stratify=y[fit], random_state=seed + fold
            )
            model = make().fit(x[train_rows], y[train_rows])
            threshold = metrics.threshold_at_recall(
                y[val_rows], _score(model, x[val_rows]), fraud.TARGETS["recall"]
            )
        labels[held_out] = _score(model, x[held_out]) >= threshold
    return labels


def run(data_dir: Path, seeds: Sequence[int] = SEEDS) -> dict[str, dict[str, Any]]:
    path = io.single_file(data_dir / "creditcard", ("*.csv", "*.csv.gz"))
    data = preprocess.load_transactions(path)
    y = data[preprocess.LABEL].to_numpy()
    x = data[preprocess.FEATURES].to_numpy()
    rates = {
        int(k): v
        for k, v in preprocess.sampling_meta(y, fraud.POPULATION, str(path))["sampling_rate"].items()
    }
    weights = metrics.class_weights(y, rates)
    cases = {
        "logistic_validation_split": (_logistic, False),
        "logistic_inner_cv": (_logistic, True),
        "gradient_boosting_validation_split": (_boosting, False),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, (make, inner_cv) in cases.items():
        runs = [_labels(make, x, y, inner_cv=inner_cv, seed=seed) for seed in seeds]
        recall = [metrics.recall(y, labels) for labels in runs]
        precision = [metrics.precision(y, labels, weights) for labels in runs]
        results[name] = {
            "recall": recall[0],
            "precision_prior_corrected": precision[0],
            "precision_prior_corrected_by_seed": dict(zip(map(str, seeds), precision, strict=True)),
            "recall_by_seed": dict(zip(map(str, seeds), recall, strict=True)),
        }
    return results
