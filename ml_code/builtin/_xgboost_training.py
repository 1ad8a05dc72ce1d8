"""XGBoost's training as the container runs one job (no cross-validation): `xgb.train` with the
evaluation monitor printing each round (`[N]<TAB>train-auc:...<TAB>validation-auc:...`), the
container's own metrics as `custom_metric`, and early stopping on the validation channel that keeps
the best round's model (`save_best`). Also what the benchmarks call with arrays in memory.
Source: algorithm_mode/train.py and callback.py of aws/sagemaker-xgboost-container (release-3.0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import xgboost as xgb

from ml_code.builtin._hyperparameters import HYPERPARAMETERS_FILE
from ml_code.builtin._xgboost_config import TrainingConfig
from ml_code.builtin._xgboost_metrics import custom_metric, maximize
from ml_code.common.errors import InputError


class Labelled(Protocol):
    @property
    def x(self) -> np.ndarray: ...
    @property
    def y(self) -> np.ndarray: ...
    @property
    def weights(self) -> np.ndarray | None: ...


@dataclass(frozen=True)
class Examples:
    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None = None


@dataclass(frozen=True)
class Trained:
    booster: xgb.Booster
    history: dict[str, dict[str, list[float]]]  # per split and metric, every round evaluated

    def predict(self, x: np.ndarray) -> np.ndarray:
        """What the endpoint answers: probabilities for binary:logistic."""
        return predict(self.booster, x)


def predict(booster: xgb.Booster, x: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(xgb.DMatrix(x), validate_features=False))


class _InOrder(xgb.callback.TrainingCallback):
    """Callbacks run in the given order. XGBoost keeps callbacks in a set and stops at the first one
    that asks to stop, so whether the container logs the round early stopping ends on depends on
    object ids; here the evaluation line always comes first, and the last line logged is the last
    round evaluated."""

    def __init__(self, callbacks: list[xgb.callback.TrainingCallback]) -> None:
        super().__init__()
        self.callbacks = callbacks

    def before_training(self, model: xgb.Booster) -> xgb.Booster:
        for callback in self.callbacks:
            model = callback.before_training(model)
        return model

    def after_training(self, model: xgb.Booster) -> xgb.Booster:
        for callback in self.callbacks:
            model = callback.after_training(model)
        return model

    def after_iteration(self, model: xgb.Booster, epoch: int, evals_log: dict[str, Any]) -> bool:
        stops = [callback.after_iteration(model, epoch, evals_log) for callback in self.callbacks]  # all run
        return any(stops)


def _matrix(data: Labelled, nthread: int) -> xgb.DMatrix:
    return xgb.DMatrix(data.x, label=data.y, weight=data.weights, nthread=nthread)


def train(config: TrainingConfig, data: Labelled, validation: Labelled | None = None, *, echo: bool = True
          ) -> Trained:  # fmt: skip
    """Train `config.num_round` rounds (fewer with early stopping); `echo` prints each round's metrics."""
    nthread = int(config.params["nthread"])
    evals = [(_matrix(data, nthread), "train")]
    if validation is not None:
        evals.append((_matrix(validation, nthread), "validation"))
    callbacks: list[xgb.callback.TrainingCallback] = [xgb.callback.EvaluationMonitor()] if echo else []
    if validation is not None and config.early_stopping_rounds and config.early_stopping_metric:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=config.early_stopping_rounds,
                data_name="validation",
                metric_name=config.early_stopping_metric,
                maximize=maximize(config.early_stopping_metric),
                save_best=True,
            )
        )
    history: dict[str, dict[str, list[float]]] = {}
    try:
        booster = xgb.train(
            config.params,
            evals[0][0],
            num_boost_round=config.num_round,
            evals=evals,
            custom_metric=custom_metric(config.custom_metrics) if config.custom_metrics else None,
            evals_result=history,  # type: ignore[arg-type]
            callbacks=[_InOrder(callbacks)],
            verbose_eval=False,
        )
    except xgb.core.XGBoostError as exc:
        reason = str(exc).split("Stack trace:")[0].strip().splitlines()[-1]
        raise InputError(
            HYPERPARAMETERS_FILE, f"XGBoost {xgb.__version__} refused the job: {reason}"
        ) from None
    return Trained(booster, {split: dict(metrics) for split, metrics in history.items()})
