"""One XGBoost training job's settings, derived from its validated hyperparameters as the container
derives them: what `xgb.train` receives, the number of rounds, and the metrics and early stopping.

Metrics: `eval_metric` and the tuning objective's metric (`_tuning_objective_metric`, set by
SageMaker's tuner) are both evaluated; those the container computes itself (`CUSTOM`) go to
`custom_metric`. Early stopping needs a validation channel and a metric: the tuning objective's, else
the last `eval_metric`; without either, `early_stopping_rounds` has no effect, as in the container.
Source: algorithm_mode/train.py and train_utils.py of aws/sagemaker-xgboost-container (release-3.0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ml_code.builtin._hyperparameters import HYPERPARAMETERS_FILE, TUNING_OBJECTIVE
from ml_code.builtin._xgboost_hyperparameters import validate
from ml_code.builtin._xgboost_metrics import CUSTOM
from ml_code.common.errors import InputError

# Settings of the container, not parameters of XGBoost's learner.
CONTAINER_SETTINGS = (
    "num_round", "early_stopping_rounds", "csv_weights", TUNING_OBJECTIVE, "_kfold", "_num_cv_round",
    "save_model_on_termination", "use_dask_gpu_training", "eval_metric",
)  # fmt: skip
# The container leaves nthread to XGBoost (every core of the instance); local jobs share this
# machine's cores with each other, so they take one unless the job sets nthread.
LOCAL_NTHREAD = 1


@dataclass(frozen=True)
class TrainingConfig:
    params: dict[str, Any]  # what `xgb.train` receives
    num_round: int
    early_stopping_rounds: int | None = None
    early_stopping_metric: str | None = None  # a metric name as XGBoost logs it, e.g. `aucpr`
    custom_metrics: tuple[str, ...] = ()
    csv_weights: bool = False

    @property
    def objective(self) -> str:
        return str(self.params.get("objective", "reg:squarederror"))

    @classmethod
    def parse(cls, raw: dict[str, str]) -> TrainingConfig:
        hp = validate(raw)
        _refuse_what_runs_only_on_aws(hp)
        tuning = hp[TUNING_OBJECTIVE].split(":", 1)[1].split(",") if TUNING_OBJECTIVE in hp else None
        eval_metric: list[str] | None = hp.get("eval_metric")
        union = sorted({*tuning, *eval_metric}) if tuning and eval_metric else (tuning or eval_metric or [])
        custom = tuple(m for m in union if m in CUSTOM)
        built_in = [m for m in union if m not in custom]
        params: dict[str, Any] = {k: v for k, v in hp.items() if k not in CONTAINER_SETTINGS}
        params.setdefault("nthread", LOCAL_NTHREAD)
        if built_in:
            params["eval_metric"] = built_in
        if "updater" in params:
            params["updater"] = ",".join(params["updater"])
        for name in ("monotone_constraints", "interaction_constraints"):
            if name in params:  # the string forms XGBoost parses: (1,-1,0) and [[1,2],[3]]
                params[name] = str(params[name]).replace(" ", "")
        rounds = hp.get("early_stopping_rounds")
        metric = (tuning or eval_metric or [None])[-1] if rounds else None
        return cls(
            params=params,
            num_round=hp["num_round"],
            early_stopping_rounds=rounds if metric else None,
            early_stopping_metric=metric,
            custom_metrics=custom,
            csv_weights=hp.get("csv_weights", 0) == 1,
        )


def _refuse_what_runs_only_on_aws(hp: dict[str, Any]) -> None:
    """Modes of the container the local stand-in does not implement, refused by name."""
    refusals = {
        "_kfold": (hp.get("_kfold") is not None, "cross-validation mode is not implemented locally"),
        "tree_method": (hp.get("tree_method") == "gpu_hist", "needs a GPU; none is used locally"),
        "use_dask_gpu_training": (hp.get("use_dask_gpu_training") == "true", "needs GPUs; none locally"),
    }
    for name, (refused, why) in refusals.items():
        if refused:
            raise InputError(HYPERPARAMETERS_FILE, why, field=name)
