"""LinearLearner's binary classifier as the endpoint uses it: scores, threshold calibration and loss.

The real algorithm calibrates each model's decision threshold on observed scores for the chosen
`binary_classifier_model_selection_criteria` rather than using 0.5; `calibrate` does the same.
https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner.html
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml_code.builtin._linear_config import Hyperparameters


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
        return sigmoid(((x - self.mean) / self.std) @ self.weights + self.bias)

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


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic
