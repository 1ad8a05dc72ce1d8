"""XGBoost's evaluation metrics as SageMaker's XGBoost container names, computes and reports them.

- `MAXIMIZE` / `MINIMIZE`: the `eval_metric` values the container accepts, and the direction of
  each for early stopping and tuning (`validation:<name>`);
- `CUSTOM`: the metrics the container computes itself (scikit-learn on the predictions XGBoost hands
  to `custom_metric`), the others XGBoost computes;
- `metric_lines(history)`: our `#metric split:name=value` lines, the value SageMaker's regex takes
  from the last evaluation line the training printed (`[N]<TAB>train-auc:0.9<TAB>validation-auc:0.8`);
- `DEFINITION_REGEX`: that regex, as SageMaker registers it for the image (`#011` is the tab as the
  job's log stream stores it).

Sources: constants/xgb_constants.py and metrics/custom_metrics.py of aws/sagemaker-xgboost-container
(branch release-3.0.5); https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost-tuning.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn import metrics as skm

# fmt: off
MAXIMIZE = (
    "accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg",
    "precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro", "recall_micro",
)
MINIMIZE = (
    "aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
    "interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse",
    "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik",
)
# fmt: on
SPLITS = ("train", "validation")
DEFINITION_REGEX = r".*\[[0-9]+\].*#011{split}-{name}:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"

Score = Callable[[np.ndarray, np.ndarray], float]


def _labels(predictions: np.ndarray) -> np.ndarray:
    """The container's class labels: argmax per row, or `> 0`, read as a margin (log-odds).

    Since XGBoost 1.6, `custom_metric` receives transformed predictions (probabilities for
    binary:logistic), so every row counts as class 1 there: the 3.0-5 container's accuracy, f1,
    precision and recall of a binary:logistic model are those of "always fraud". Kept as the
    container computes them, so a tuning objective behaves locally as it does on AWS."""
    if predictions.ndim > 1:
        return np.argmax(predictions, axis=-1)
    return (predictions > 0.0).astype(int)


def _classification(score: Callable[..., float], **kwargs: str) -> Score:
    return lambda y, p: float(score(y, _labels(p), **kwargs)) if p.size else 0.0


CUSTOM: dict[str, Score] = {
    "accuracy": _classification(skm.accuracy_score),
    "balanced_accuracy": _classification(skm.balanced_accuracy_score),
    "f1": _classification(skm.f1_score, average="macro"),
    "f1_binary": _classification(skm.f1_score, average="binary"),
    "f1_macro": _classification(skm.f1_score, average="macro"),
    "precision": _classification(skm.precision_score),
    "precision_macro": _classification(skm.precision_score, average="macro"),
    "precision_micro": _classification(skm.precision_score, average="micro"),
    "recall": _classification(skm.recall_score),
    "recall_macro": _classification(skm.recall_score, average="macro"),
    "recall_micro": _classification(skm.recall_score, average="micro"),
    "mse": lambda y, p: float(skm.mean_squared_error(y, p)),
    "rmse": lambda y, p: float(np.sqrt(skm.mean_squared_error(y, p))),
    "mae": lambda y, p: float(skm.mean_absolute_error(y, p)),
    "r2": lambda y, p: float(skm.r2_score(y, p)),
}


def custom_metric(names: Sequence[str]) -> Callable[[np.ndarray, object], list[tuple[str, float]]]:
    """The `custom_metric` argument of `xgb.train` computing `names` (all in CUSTOM), in that order."""

    def evaluate(predictions: np.ndarray, data: object) -> list[tuple[str, float]]:
        labels = data.get_label()  # type: ignore[attr-defined]  # an xgb.DMatrix
        return [(name, CUSTOM[name](labels, predictions)) for name in names]

    return evaluate


def maximize(name: str) -> bool:
    """The direction early stopping and tuning use; `error@0.7`-style names minimize, as in the container."""
    return name in MAXIMIZE


def metric_lines(history: dict[str, dict[str, list[float]]]) -> list[str]:
    """`#metric train:auc=0.91234` per split and metric SageMaker has a definition for, with the value
    of the last round evaluated, rounded as the evaluation line prints it (what its regex reads)."""
    return [
        f"#metric {split}:{name}={values[-1]:.5f}"
        for split in SPLITS
        for name, values in history.get(split, {}).items()
        if name in (*MAXIMIZE, *MINIMIZE) and values
    ]
