"""The hyperparameters SageMaker's XGBoost algorithm accepts: names, types and ranges as its container
validates them, each rejection an InputError naming `hyperparameters.json` and the field.

`validate(raw) -> dict` follows the container's order: aliases (`learning_rate` -> `eta`, ...),
required `num_round`, unknown names ("Extraneous hyperparameter found"), parsing, ranges, then the
rules between them. Differences, all stricter: values must be finite, and a tuple or list is read as
a Python literal (the container `eval`s it).
Source: algorithm_mode/hyperparameter_validation.py of aws/sagemaker-xgboost-container (branch
release-3.0.5); https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters.html
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from ml_code.builtin._hyperparameters import HYPERPARAMETERS_FILE, TUNING_OBJECTIVE
from ml_code.builtin._xgboost_metrics import MAXIMIZE, MINIMIZE
from ml_code.common.errors import InputError

INF = math.inf


@dataclass(frozen=True)
class Spec:
    """`int` / `float` in an interval, `choice` of `values`, or a comma-separated, tuple or nested `list`."""

    kind: str
    low: float = -INF
    high: float = INF
    open_low: bool = False
    open_high: bool = False
    values: tuple[str, ...] = ()

    def interval(self) -> str:
        low = "(-inf" if self.low == -INF else f"{'(' if self.open_low else '['}{_number(self.low)}"
        high = "+inf)" if self.high == INF else f"{_number(self.high)}{')' if self.open_high else ']'}"
        return f"{low}, {high}"

    def contains(self, x: float) -> bool:
        above = x > self.low if self.open_low else x >= self.low
        below = x < self.high if self.open_high else x <= self.high
        return above and below


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _i(low: float = -INF, high: float = INF, *, open_low: bool = False, open_high: bool = False) -> Spec:
    return Spec("int", low, high, open_low, open_high)


def _f(low: float = -INF, high: float = INF, *, open_low: bool = False, open_high: bool = False) -> Spec:
    return Spec("float", low, high, open_low, open_high)


def _c(*values: str) -> Spec:
    return Spec("choice", values=values)


UNIT, OPEN_UNIT, FLAG = _f(0, 1), _f(0, 1, open_low=True), _i(0, 1)
OBJECTIVES = (
    "aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
    "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror", "reg:squaredlogerror",
    "reg:absoluteerror", "reg:tweedie", "survival:aft", "survival:cox",
)  # fmt: skip
TREE_UPDATERS = ("grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker", "sync", "refresh", "prune",
                 "grow_quantile_histmaker")  # fmt: skip
TREE_BUILDERS = ("grow_colmaker", "distcol", "grow_histmaker", "grow_quantile_histmaker")
LINEAR_UPDATERS = ("shotgun", "coord_descent")
SPECS: dict[str, Spec] = {
    "num_round": _i(1), "csv_weights": FLAG, "early_stopping_rounds": _i(1),
    "booster": _c("gbtree", "gblinear", "dart"), "verbosity": _i(0, 3), "nthread": _i(1),
    "eta": UNIT, "gamma": _f(0), "max_depth": _i(0), "min_child_weight": _f(0), "max_delta_step": _f(0),
    "subsample": OPEN_UNIT, "colsample_bytree": OPEN_UNIT, "colsample_bylevel": OPEN_UNIT,
    "colsample_bynode": OPEN_UNIT, "lambda": _f(0), "alpha": _f(0),
    "tree_method": _c("auto", "exact", "approx", "hist", "gpu_hist"),
    "sketch_eps": _f(0, 1, open_low=True, open_high=True), "scale_pos_weight": _f(0, open_low=True),
    "updater": Spec("list", values=TREE_UPDATERS + LINEAR_UPDATERS), "dsplit": _c("row", "col"),
    "refresh_leaf": FLAG, "process_type": _c("default", "update"),
    "grow_policy": _c("depthwise", "lossguide"), "max_leaves": _i(0), "max_bin": _i(0),
    "predictor": _c("auto", "cpu_predictor", "gpu_predictor"), "monotone_constraints": Spec("tuple"),
    "interaction_constraints": Spec("nested"), "sample_type": _c("uniform", "weighted"),
    "normalize_type": _c("tree", "forest"), "rate_drop": UNIT, "one_drop": FLAG, "skip_drop": UNIT,
    "lambda_bias": UNIT, "tweedie_variance_power": _f(1, 2, open_low=True, open_high=True),
    "objective": _c(*OBJECTIVES), "num_class": _i(2), "base_score": _f(0), "_kfold": _i(2),
    "_num_cv_round": _i(1), TUNING_OBJECTIVE: _c(*(f"validation:{m}" for m in MAXIMIZE + MINIMIZE)),
    "eval_metric": Spec("list", values=MAXIMIZE + MINIMIZE),
    "seed": _i(-(2**31), 2**31 - 1, open_low=True, open_high=True), "num_parallel_tree": _i(1),
    "save_model_on_termination": _c("true", "false"),
    "aft_loss_distribution": _c("normal", "logistic", "extreme"), "aft_loss_distribution_scale": _f(0),
    "deterministic_histogram": _c("true", "false"), "sampling_method": _c("uniform", "gradient_based"),
    "prob_buffer_row": _i(1, open_low=True), "use_dask_gpu_training": _c("true", "false"),
}  # fmt: skip
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda", "reg_alpha": "alpha"}
SCRIPT_MODE = ("sagemaker_program", "sagemaker_submit_directory")


def _error(name: str, message: str, expected: str | None = None) -> InputError:
    return InputError(HYPERPARAMETERS_FILE, message, field=name, expected=expected)


def _metric_ok(metric: str) -> bool:
    """A listed metric, or `error@t`, `ndcg@t`, `map@t` with a numeric cut-off."""
    name, at, cutoff = metric.partition("@")
    if not at:
        return metric in MAXIMIZE + MINIMIZE
    try:
        float(cutoff)
    except ValueError:
        return False
    return name.strip() in ("error", "ndcg", "map")


def _parse(name: str, text: str) -> Any:
    spec = SPECS[name]
    expected = {"int": f"an integer in {spec.interval()}", "float": f"a number in {spec.interval()}",
                "choice": f"one of {', '.join(spec.values)}"}.get(spec.kind)  # fmt: skip
    try:
        if spec.kind in ("int", "float"):
            value = int(text) if spec.kind == "int" else float(text)
            if not (math.isfinite(value) and spec.contains(value)):
                raise ValueError
            return value
        if spec.kind == "choice":
            if text not in spec.values:
                raise ValueError
            return text
        if spec.kind == "list":
            items = text.split(",")
            ok = _metric_ok if name == "eval_metric" else spec.values.__contains__
            expected = f"a comma-separated list drawn from {', '.join(spec.values)}"
            if not all(ok(item) for item in items):
                raise ValueError
            return items
        return _literal(name, text)
    except (ValueError, SyntaxError, TypeError):
        raise _error(name, f"bad value {text!r}", expected) from None


def _literal(name: str, text: str) -> Any:
    value = ast.literal_eval(text)
    if name == "monotone_constraints":
        if not isinstance(value, tuple | list) or any(v not in (-1, 0, 1) for v in value):
            raise _error(name, f"bad value {text!r}", "a tuple of -1, 0 and 1, e.g. (1,-1,0)")
        return tuple(value)
    if not isinstance(value, list) or not all(
        isinstance(group, list) and all(isinstance(v, int) and v >= 1 for v in group) for group in value
    ):
        raise _error(name, f"bad value {text!r}", "a nested list of feature indices >= 1, e.g. [[1,2],[3]]")
    return value


def validate(raw: dict[str, str]) -> dict[str, Any]:
    """SageMaker's string hyperparameters, parsed and checked as the container checks them."""
    for name in SCRIPT_MODE:
        if name in raw:
            raise _error(name, "script mode is not supported locally", "algorithm mode: no training script")
    given = {ALIASES.get(name, name): value for name, value in raw.items()}
    if "num_round" not in given:
        raise _error("num_round", "Missing required hyperparameter", "an integer >= 1")
    for name in given:
        if name not in SPECS:
            raise _error(name, "Extraneous hyperparameter found", "a name the XGBoost algorithm accepts")
    parsed = {name: _parse(name, value) for name, value in given.items()}
    _check_dependencies(parsed)
    return parsed


def _check_dependencies(hp: dict[str, Any]) -> None:
    objective, tree_method = hp.get("objective", "reg:squarederror"), hp.get("tree_method")
    if objective in ("multi:softmax", "multi:softprob") and "num_class" not in hp:
        raise _error("num_class", "Require input for parameter 'num_class' for multi-classification")
    if "auc" in hp.get("eval_metric", ()) and not objective.startswith(("binary:", "rank:")):
        raise _error(
            "eval_metric", "Metric 'auc' can only be applied for classification and ranking problems."
        )
    if "aft-nloglik" in hp.get("eval_metric", ()) and objective != "survival:aft":
        raise _error("eval_metric", "Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.")
    if "monotone_constraints" in hp and tree_method not in ("exact", "hist"):
        raise _error("monotone_constraints", "needs tree_method 'exact' or 'hist'", "tree_method set too")
    if "interaction_constraints" in hp and tree_method not in ("exact", "hist", "approx"):
        raise _error(
            "interaction_constraints", "needs tree_method exact, hist or approx", "tree_method set too"
        )
    if "updater" in hp:
        _check_updater(hp["updater"], hp.get("booster"), hp.get("process_type"))


def _check_updater(updater: list[str], booster: str | None, process_type: str | None) -> None:
    if booster == "gblinear":
        ok, rule = len(updater) == 1 and updater[0] in LINEAR_UPDATERS, "one of shotgun, coord_descent"
    elif process_type == "update":
        ok, rule = all(u in ("refresh", "prune") for u in updater), "only refresh and prune"
    else:
        builders = sum(u in TREE_BUILDERS for u in updater)
        ok, rule = all(u in TREE_UPDATERS for u in updater) and builders <= 1, "tree updaters, one grower"
    if not ok:
        raise _error("updater", f"bad value {','.join(updater)!r}", rule)
