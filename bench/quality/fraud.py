"""Quality benchmark of the fraud detector: stratified 5-fold cross-validation of the local LinearLearner.

The bundled sample holds all 492 frauds but only 1,230 legitimate transactions, too few for one
held-out split to measure precision, so every row is scored once by a model that never saw it and
the out-of-fold predictions are pooled. In each fold the LinearLearner training job runs through
its real entry point, with the case study's hyperparameters (precision_at_target_recall,
target_recall=0.9, positive_example_weight_mult=balanced); its threshold is calibrated on a
validation split carved from the training folds only, never on the held-out fold. With
`validation_fraction=None` the job gets the train channel alone, as the seed's notebook ran it
(`linear.fit(train)` on 70% of the full data): the algorithm then picks its model and threshold on
the training data, which here leaves all training folds to fit on.
Prior-corrected figures weight each legitimate row by 1 / its sampling rate (284,315 / 1,230).
`fraud_reference.py` runs scikit-learn models on the same folds, to show what the sample allows.
"""

from __future__ import annotations

import contextlib
import io as stdio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from ml_code.builtin import linear_learner
from ml_code.common import io, metrics
from ml_code.common.sm_env import JobFolder
from ml_code.fraud_detection import preprocess

POPULATION = {0: 284_315, 1: 492}  # the full Kaggle file's class counts
SEED, FOLDS, VALIDATION_FRACTION = 42, 5, 0.3
TARGETS = {"recall": 0.90, "precision_prior_corrected": 0.112}  # the seed's LinearLearner on the full data
HYPERPARAMETERS = {
    # the case study's choices
    "predictor_type": "binary_classifier",
    "binary_classifier_model_selection_criteria": "precision_at_target_recall",
    "target_recall": "0.9",
    "positive_example_weight_mult": "balanced",
    "feature_dim": "30",
    # tuned on other fold seeds (1, 2, 3) than the one reported: smaller batches and longer patience
    # give ~1,000 training rows enough optimiser steps; num_models stays `auto` (32)
    "mini_batch_size": "100",
    "epochs": "40",
    "early_stopping_patience": "10",
}


def _train_job(root: Path, channels: dict[str, pd.DataFrame]) -> tuple[Path, dict[str, float]]:
    """One training job in a folder shaped like /opt/ml; returns the model folder and its #metric lines."""
    job = JobFolder(root).write_training_config(
        HYPERPARAMETERS, {c: {"ContentType": "text/csv"} for c in channels}
    )
    for channel, frame in channels.items():
        with io.atomic_path(job.channel(channel) / f"{channel}.csv") as tmp:
            frame.to_csv(tmp, header=False, index=False)
    out = stdio.StringIO()
    with job.active(), contextlib.redirect_stdout(out):
        rc = linear_learner.main(["train"])
    if rc != 0:
        raise RuntimeError(f"linear_learner train exited with {rc}: {job.failure.read_text()}")
    lines = [
        ln.removeprefix("#metric ").split("=")
        for ln in out.getvalue().splitlines()
        if ln.startswith("#metric")
    ]
    return job.model, {name: float(value) for name, value in lines}


def _score(model_dir: Path, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Scores through the inference handlers, as the batch transform would."""
    model = linear_learner.model_fn(str(model_dir))
    body = features.to_csv(header=False, index=False)
    records = linear_learner.predict_fn(linear_learner.input_fn(body, "text/csv"), model)
    return np.array([r["score"] for r in records]), np.array([r["predicted_label"] for r in records])


def _figures(y: np.ndarray, labels: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    return {
        "recall": metrics.recall(y, labels),
        "precision_sample": metrics.precision(y, labels),
        "precision_prior_corrected": metrics.precision(y, labels, weights),
        "auprc_sample": metrics.average_precision(y, scores),
        "auprc_prior_corrected": metrics.average_precision(y, scores, weights),
    }


def run(
    data_dir: Path, workdir: Path, seed: int = SEED, validation_fraction: float | None = VALIDATION_FRACTION
) -> dict[str, Any]:
    path = io.single_file(data_dir / "creditcard", ("*.csv", "*.csv.gz"))
    data = preprocess.load_transactions(path)
    y = data[preprocess.LABEL].to_numpy()
    meta = preprocess.sampling_meta(y, POPULATION, str(path))
    rates = {int(k): v for k, v in meta["sampling_rate"].items()}
    weights = metrics.class_weights(y, rates)
    labelled = data[[preprocess.LABEL, *preprocess.FEATURES]]
    scores, labels = np.zeros(y.size), np.zeros(y.size, dtype=int)
    per_fold = []
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(np.zeros(y.size), y)
    for fold, (fit_rows, held_out) in enumerate(folds):
        channels = {"train": labelled.iloc[fit_rows]}
        if validation_fraction is not None:
            train_rows, val_rows = train_test_split(
                fit_rows, test_size=validation_fraction, stratify=y[fit_rows], random_state=seed + fold
            )
            channels = {"train": labelled.iloc[train_rows], "validation": labelled.iloc[val_rows]}
        started = time.perf_counter()
        model_dir, logged = _train_job(workdir / f"fold-{fold}", channels)
        seconds = time.perf_counter() - started
        scores[held_out], labels[held_out] = _score(model_dir, data[preprocess.FEATURES].iloc[held_out])
        threshold = json.loads((model_dir / linear_learner.MODEL_FILE).read_text())["threshold"]
        fold_figures = _figures(y[held_out], labels[held_out], scores[held_out], weights[held_out])
        per_fold.append(
            {
                **fold_figures,
                "validation_recall": logged.get("validation:recall"),
                "threshold": threshold,
                "train_seconds": round(seconds, 3),
            }
        )
    pooled = _figures(y, labels, scores, weights)  # AUPRC pools scores of 5 models: a rough figure
    return {
        **pooled,
        "meets_targets": pooled["recall"] >= TARGETS["recall"]
        and pooled["precision_prior_corrected"] >= TARGETS["precision_prior_corrected"],
        "targets": TARGETS,
        "train_seconds": round(sum(f["train_seconds"] for f in per_fold), 3),
        "per_fold": per_fold,
        "hyperparameters": HYPERPARAMETERS,
        "validation_fraction": validation_fraction,
        "sampling_rate": rates,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bench-fraud-") as tmp:
        print(json.dumps(run(Path(__file__).resolve().parents[2] / "data", Path(tmp)), indent=2))
