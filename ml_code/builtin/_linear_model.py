"""LinearLearner's binary classifier: hyperparameters, parallel training and threshold calibration.

SageMaker's LinearLearner trains `num_models` linear models at once with different learning rates
and regularisation, calibrates each one's decision threshold on the validation channel for the
chosen `binary_classifier_model_selection_criteria`, and keeps the best. This module does the same
with numpy, all models as the columns of one weight matrix.
https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ml_code.builtin._csv import HYPERPARAMETERS_FILE
from ml_code.builtin._csv import Hyperparameters as RawHyperparameters
from ml_code.common.errors import InputError

CRITERIA = ("accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision", "loss_function")
AUTO_NUM_MODELS = 32  # the real algorithm's `auto`; all models train as one matrix, so 32 stay cheap
# Valid for the real algorithm but without effect on a local binary classifier (labels are never
# normalised for classifiers; the rest are initialisation or MXNet optimiser internals).
# fmt: off
INERT = frozenset({
    "normalize_label", "init_method", "init_scale", "init_sigma", "num_calibration_samples", "unbias_data",
    "unbias_label", "num_point_for_scaler", "bias_lr_mult", "bias_wd_mult", "momentum", "lr_scheduler_step",
    "lr_scheduler_factor", "lr_scheduler_minimum_lr",
})
# fmt: on


@dataclass(frozen=True)
class Hyperparameters:
    """SageMaker's hyperparameters (all strings in hyperparameters.json), parsed and range-checked once.

    `None` means `auto`: the parallel models search over that setting.
    """

    predictor_type: str = "binary_classifier"
    feature_dim: int | None = None
    binary_classifier_model_selection_criteria: str = "accuracy"
    target_recall: float = 0.8
    target_precision: float = 0.8
    positive_example_weight_mult: float | str = 1.0  # a number, "balanced" or "auto"
    epochs: int = 15
    mini_batch_size: int = 1000
    learning_rate: float | None = None
    l1: float | None = None
    wd: float | None = None
    normalize_data: bool = True
    num_models: int = AUTO_NUM_MODELS
    early_stopping_patience: int = 3
    early_stopping_tolerance: float = 0.001
    beta: float = 1.0
    use_bias: bool = True
    optimizer: str = "adam"

    @classmethod
    def parse(cls, raw: dict[str, str]) -> Hyperparameters:
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__) - INERT - {"loss"})
        if unknown:
            raise InputError(HYPERPARAMETERS_FILE, "not a LinearLearner hyperparameter", field=unknown[0])
        if "predictor_type" not in raw:  # required by the real algorithm too
            raise InputError(
                HYPERPARAMETERS_FILE, "missing", field="predictor_type", expected="binary_classifier"
            )
        h = RawHyperparameters(raw)
        h.choice("loss", "auto", ("auto", "logistic"))  # what `auto` means for a binary classifier
        auto = {k for k, v in raw.items() if str(v).strip() == "auto"} | (
            set(cls.__dataclass_fields__) - set(raw)
        )
        pw = raw.get("positive_example_weight_mult", "1.0").strip()
        return cls(
            predictor_type=h.choice("predictor_type", "", ("binary_classifier",)),
            feature_dim=None if "feature_dim" in auto else h.integer("feature_dim"),
            binary_classifier_model_selection_criteria=h.choice(
                "binary_classifier_model_selection_criteria", "accuracy", CRITERIA
            ),
            target_recall=_unit(h, "target_recall", 0.8),
            target_precision=_unit(h, "target_precision", 0.8),
            positive_example_weight_mult=(
                pw
                if pw in ("balanced", "auto")
                else h.number("positive_example_weight_mult", 1.0, minimum=1e-12)
            ),
            epochs=h.integer("epochs", 15),
            mini_batch_size=h.integer("mini_batch_size", 1000),
            learning_rate=None if "learning_rate" in auto else h.number("learning_rate", 0.0, minimum=1e-12),
            l1=None if "l1" in auto else h.number("l1", 0.0),
            wd=None if "wd" in auto else h.number("wd", 0.0),
            normalize_data=h.boolean("normalize_data", True),
            num_models=AUTO_NUM_MODELS if "num_models" in auto else h.integer("num_models"),
            early_stopping_patience=h.integer("early_stopping_patience", 3),
            early_stopping_tolerance=h.number("early_stopping_tolerance", 0.001),
            beta=h.number("beta", 1.0, minimum=1e-12),
            use_bias=h.boolean("use_bias", True),
            optimizer=h.choice("optimizer", "auto", ("auto", "adam", "sgd")).replace("auto", "adam"),
        )


def _unit(h: RawHyperparameters, name: str, default: float) -> float:
    value = h.number(name, default, minimum=1e-12)
    if value > 1:
        raise InputError(
            HYPERPARAMETERS_FILE, f"bad value {value}", field=name, expected="a number in (0, 1]"
        )
    return value


def log_loss(y: np.ndarray, scores: np.ndarray, positive_weight: float) -> float:
    """LinearLearner's objective_loss: logistic loss, positives weighted by positive_example_weight_mult."""
    p = np.clip(scores, 1e-12, 1 - 1e-12)
    per_row = -(positive_weight * y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(per_row.mean())


def calibrate(y: np.ndarray, scores: np.ndarray, hp: Hyperparameters) -> tuple[float, float]:
    """(threshold, criterion value; higher is better) for one model's scores on the calibration data.

    Candidates cut between consecutive distinct scores (predict 1 when score >= threshold), as the
    real algorithm calibrates on observed scores rather than a fixed 0.5. Cutting midway, not at a
    score, keeps the calibrated counts when the same rows are scored again with rounding differences.
    """
    criterion = hp.binary_classifier_model_selection_criteria
    if criterion == "loss_function":
        return 0.5, -log_loss(y, scores, 1.0)
    order = np.argsort(-scores, kind="mergesort")
    s, t = scores[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tp, fp = np.cumsum(t == 1)[last].astype(float), np.cumsum(t == 0)[last].astype(float)
    distinct = s[last]
    thresholds, pos, neg = (distinct + np.r_[distinct[1:], 0.0]) / 2, tp[-1], fp[-1]
    prec, rec = tp / (tp + fp), tp / pos if pos else np.zeros_like(tp)
    if criterion == "accuracy":
        value = (tp + neg - fp) / (pos + neg)
    elif criterion == "f_beta":
        b2 = hp.beta**2
        value = np.divide(
            (1 + b2) * prec * rec, b2 * prec + rec, out=np.zeros_like(tp), where=(b2 * prec + rec) > 0
        )
    elif criterion == "precision_at_target_recall":
        value = np.where(rec >= hp.target_recall, prec, -1.0 + rec)  # infeasible ranks below, nearest first
    else:  # recall_at_target_precision
        value = np.where(prec >= hp.target_precision, rec, -1.0 + prec)
    k = int(np.argmax(value))  # thresholds descend, so ties keep the highest threshold
    return float(thresholds[k]), float(value[k])


@dataclass(frozen=True)
class LinearModel:
    """What the endpoint needs: score = sigmoid(w . (x - mean) / std + b), label = score >= threshold."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    std: np.ndarray
    threshold: float

    @property
    def feature_dim(self) -> int:
        return int(self.weights.size)

    def scores(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(((x - self.mean) / self.std) @ self.weights + self.bias)

    def labels(self, scores: np.ndarray) -> np.ndarray:
        return (scores >= self.threshold).astype(int)

    def to_json(self) -> dict[str, object]:
        return {
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> LinearModel:
        arr = {k: np.asarray(obj[k], dtype=float) for k in ("weights", "mean", "std")}
        return cls(arr["weights"], float(obj["bias"]), arr["mean"], arr["std"], float(obj["threshold"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class TrainingResult:
    model: LinearModel
    chosen: dict[str, float]  # learning rate, wd, l1, positive weight and epochs of the selected model
    criterion_value: float
    train_loss: float


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


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
            resid = sw * (_sigmoid(xb @ w + b) - yb) / idx.size
            gw, gb = xb.T @ resid + wd * w, resid.sum(axis=0) * hp.use_bias
            step += 1
            w, b = _step(hp.optimizer, w, b, gw, gb, lr, moments, step, active)
            w = np.where(active, np.sign(w) * np.maximum(np.abs(w) - lr * l1, 0.0), w)  # proximal L1
        watch_scores = _sigmoid(watch_x @ w + b)
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

    picks = [calibrate(watch_y, _sigmoid(watch_x @ best_w[:, k] + best_b[k]), hp) for k in range(m)]
    j = int(np.argmax([value for _, value in picks]))  # first best wins ties: reproducible
    model = LinearModel(best_w[:, j].copy(), float(best_b[j]), mean, std, picks[j][0])
    train_loss = log_loss(y, _sigmoid(xs @ model.weights + model.bias), pw[j])
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
