"""LinearLearner's training: `num_models` linear models at once, the best kept by the selection criterion.

SageMaker's LinearLearner trains `num_models` linear models in parallel with different learning
rates and regularisation, calibrates each one's decision threshold on the validation channel for
the chosen `binary_classifier_model_selection_criteria`, and keeps the best. This module does the
same with numpy, all models as the columns of one weight matrix.
https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
"""

from __future__ import annotations

import math

import numpy as np
from threadpoolctl import threadpool_limits

from ml_code.builtin._linear_config import Hyperparameters
from ml_code.builtin._linear_model import LinearModel, TrainingResult, calibrate, log_loss, sigmoid


def _positive_weight(setting: float | str, balanced: float, model: int, rng: np.random.Generator) -> float:
    """A number as given; `balanced` is n_neg / n_pos; `auto` spreads models between 1 and balanced."""
    if not isinstance(setting, str):
        return float(setting)
    if setting == "balanced" or model == 0:
        return balanced
    return float(balanced ** rng.uniform(0.0, 1.0))


def _candidate_settings(hp: Hyperparameters, balanced: float, seed: int) -> list[dict[str, float]]:
    """Model 0 takes moderate fixed values; the others draw each `auto` setting log-uniformly."""
    rng = np.random.default_rng(seed + 1)
    settings = []
    for i in range(hp.num_models):
        draw = {
            "learning_rate": 0.01 if i == 0 else float(10 ** rng.uniform(-3.0, -0.5)),
            "wd": 0.0 if i == 0 else float(rng.choice([0.0, 10 ** rng.uniform(-6.0, -1.0)])),
            "l1": 0.0 if i == 0 else float(rng.choice([0.0, 10 ** rng.uniform(-6.0, -2.0)])),
            "positive_example_weight_mult": _positive_weight(
                hp.positive_example_weight_mult, balanced, i, rng
            ),
        }
        fixed = {k: getattr(hp, k) for k in ("learning_rate", "wd", "l1") if getattr(hp, k) is not None}
        settings.append({**draw, **fixed})
    return settings


def train(
    x: np.ndarray,
    y: np.ndarray,
    hp: Hyperparameters,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    seed: int = 0,
) -> TrainingResult:
    """Train `hp.num_models` models with Adam (or SGD) on weighted logistic loss; keep the best by criterion.

    Early stopping follows the real algorithm: with a validation set it watches the selection
    criterion there, otherwise the training loss; a model stops after `early_stopping_patience`
    epochs without a relative improvement of `early_stopping_tolerance`.
    """
    # The products are (mini-batch x features) by (features x models): BLAS threads only add
    # synchronisation, and on a shared CPU they spin (50k rows: 38 s threaded, 2.7 s on one thread).
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(x, y, hp, x_val, y_val, seed)


def _train(
    x: np.ndarray,
    y: np.ndarray,
    hp: Hyperparameters,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    seed: int,
) -> TrainingResult:
    n, d = x.shape
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == n:
        raise ValueError(
            "the training data holds only one class; a binary classifier needs both 0 and 1 labels"
        )
    settings = _candidate_settings(hp, (n - n_pos) / n_pos, seed)

    mean = x.mean(axis=0) if hp.normalize_data else np.zeros(d)
    std = x.std(axis=0) if hp.normalize_data else np.ones(d)
    std = np.where(std > 0, std, 1.0)
    xs = (x - mean) / std
    watch_x, watch_y = ((x_val - mean) / std, y_val) if x_val is not None and y_val is not None else (xs, y)

    m = len(settings)
    lr, wd, l1, pw = (
        np.array([s[k] for s in settings])
        for k in ("learning_rate", "wd", "l1", "positive_example_weight_mult")
    )
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.01, size=(d, m))
    b = np.zeros(m)
    moments = [np.zeros((d, m)), np.zeros(m), np.zeros((d, m)), np.zeros(m)]  # Adam m_w, m_b, v_w, v_b
    best_value, best_w, best_b, best_epoch = np.full(m, -math.inf), w.copy(), b.copy(), np.zeros(m)
    stale, active, step = np.zeros(m, dtype=int), np.ones(m, dtype=bool), 0
    use_criterion = x_val is not None

    for epoch in range(1, hp.epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, hp.mini_batch_size):
            idx = order[start : start + hp.mini_batch_size]
            xb, yb = xs[idx], y[idx][:, None]
            sw = np.where(yb == 1, pw[None, :], 1.0)
            resid = sw * (sigmoid(xb @ w + b) - yb) / idx.size
            gw, gb = xb.T @ resid + wd * w, resid.sum(axis=0) * hp.use_bias
            step += 1
            w, b = _step(hp.optimizer, w, b, gw, gb, lr, moments, step, active)
            w = np.where(active, np.sign(w) * np.maximum(np.abs(w) - lr * l1, 0.0), w)  # proximal L1
        watch_scores = sigmoid(watch_x @ w + b)
        for k in map(int, np.flatnonzero(active)):
            if use_criterion:
                value = calibrate(watch_y, watch_scores[:, k], hp)[1]
            else:
                value = -log_loss(watch_y, watch_scores[:, k], pw[k])
            if epoch == 1 or value > best_value[k] + hp.early_stopping_tolerance * abs(best_value[k]):
                best_value[k], best_w[:, k], best_b[k], best_epoch[k], stale[k] = (
                    value,
                    w[:, k],
                    b[k],
                    epoch,
                    0,
                )
            else:
                stale[k] += 1
        active &= stale < hp.early_stopping_patience
        if not active.any():
            break

    picks = [calibrate(watch_y, sigmoid(watch_x @ best_w[:, k] + best_b[k]), hp) for k in range(m)]
    j = int(np.argmax([value for _, value in picks]))  # first best wins ties: reproducible
    model = LinearModel(best_w[:, j].copy(), float(best_b[j]), mean, std, picks[j][0])
    train_loss = log_loss(y, sigmoid(xs @ model.weights + model.bias), pw[j])
    chosen = {**settings[j], "epochs": float(best_epoch[j]), "model_index": float(j)}
    return TrainingResult(model, chosen, picks[j][1], train_loss)


def _step(
    optimizer: str,
    w: np.ndarray,
    b: np.ndarray,
    gw: np.ndarray,
    gb: np.ndarray,
    lr: np.ndarray,
    moments: list[np.ndarray],
    step: int,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One update of every still-active model; stopped models keep their weights."""
    if optimizer == "sgd":
        dw, db = lr * gw, lr * gb
    else:  # adam, LinearLearner's `auto` optimizer
        b1, b2, eps = 0.9, 0.999, 1e-8
        for k, g in enumerate((gw, gb, gw * gw, gb * gb)):
            beta = b1 if k < 2 else b2
            moments[k] = beta * moments[k] + (1 - beta) * g
        c1, c2 = 1 - b1**step, 1 - b2**step
        dw = lr * (moments[0] / c1) / (np.sqrt(moments[2] / c2) + eps)
        db = lr * (moments[1] / c1) / (np.sqrt(moments[3] / c2) + eps)
    return np.where(active, w - dw, w), np.where(active, b - db, b)
