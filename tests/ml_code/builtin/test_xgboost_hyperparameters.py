"""Local XGBoost: hyperparameters validated as SageMaker's XGBoost container validates them, and the
training settings (metrics, early stopping, XGBoost parameters) derived from them."""

from __future__ import annotations

import pytest

from ml_code.builtin._xgboost_config import TrainingConfig
from ml_code.builtin._xgboost_hyperparameters import validate
from ml_code.common.errors import InputError

BASE = {"num_round": "10"}


def test_values_are_parsed_by_type_and_aliases_resolved() -> None:
    hp = validate({**BASE, "learning_rate": "0.1", "max_depth": "4", "eval_metric": "auc,aucpr",
                   "objective": "binary:logistic", "reg_alpha": "0.5", "monotone_constraints": "(1,-1,0)",
                   "tree_method": "hist"})  # fmt: skip
    assert hp == {
        "num_round": 10, "eta": 0.1, "max_depth": 4, "eval_metric": ["auc", "aucpr"], "alpha": 0.5,
        "objective": "binary:logistic", "monotone_constraints": (1, -1, 0), "tree_method": "hist",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "field", "message", "expected"),
    [
        ({"eta": "0.1"}, "num_round", "Missing required hyperparameter", "an integer >= 1"),
        ({**BASE, "num_trees": "3"}, "num_trees", "Extraneous hyperparameter found", None),
        ({**BASE, "eta": "1.5"}, "eta", "bad value '1.5'", "a number in [0, 1]"),
        ({**BASE, "subsample": "0"}, "subsample", "bad value '0'", "a number in (0, 1]"),
        ({"num_round": "10.0"}, "num_round", "bad value '10.0'", "an integer in [1, +inf)"),
        ({**BASE, "max_depth": "-1"}, "max_depth", "bad value", "an integer in [0, +inf)"),
        ({**BASE, "scale_pos_weight": "0"}, "scale_pos_weight", "bad value", "a number in (0, +inf)"),
        ({**BASE, "gamma": "nan"}, "gamma", "bad value 'nan'", "a number in [0, +inf)"),
        ({**BASE, "objective": "binary:logistics"}, "objective", "bad value", None),
        ({**BASE, "eval_metric": "auc,roc"}, "eval_metric", "bad value 'auc,roc'", None),
        ({**BASE, "eval_metric": "auc"}, "eval_metric", "Metric 'auc' can only be applied", None),
        ({**BASE, "objective": "multi:softprob"}, "num_class", "Require input for parameter", None),
        (
            {**BASE, "monotone_constraints": "(1,2)", "tree_method": "hist"},
            "monotone_constraints",
            "bad",
            None,
        ),
        ({**BASE, "monotone_constraints": "(1,-1)"}, "monotone_constraints", "needs tree_method", None),
        ({**BASE, "_tuning_objective_metric": "validation:loss"}, "_tuning_objective_metric", "bad", None),
        ({**BASE, "sagemaker_program": "train.py"}, "sagemaker_program", "script mode", None),
        ({**BASE, "updater": "grow_colmaker,grow_histmaker"}, "updater", "bad value", None),
    ],
)
def test_rejections_name_the_hyperparameter_as_the_container_does(
    raw: dict[str, str], field: str, message: str, expected: str | None
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        validate(raw)
    assert (caught.value.file, caught.value.field) == ("hyperparameters.json", field)
    if expected:
        assert caught.value.expected == expected


@pytest.mark.parametrize("metric", ["error@0.7", "ndcg@5", "map@3"])
def test_metrics_with_a_cutoff_are_accepted_where_xgboost_has_them(metric: str) -> None:
    assert validate({**BASE, "eval_metric": metric})["eval_metric"] == [metric]
    with pytest.raises(InputError):
        validate({**BASE, "eval_metric": metric.replace(metric.split("@")[0], "auc")})


def test_xgboost_receives_the_learner_parameters_only() -> None:
    config = TrainingConfig.parse({**BASE, "objective": "binary:logistic", "csv_weights": "1", "seed": "7",
                                   "save_model_on_termination": "true", "eta": "0.2"})  # fmt: skip
    assert config.params == {"objective": "binary:logistic", "seed": 7, "eta": 0.2, "nthread": 1}
    assert (config.num_round, config.csv_weights, config.early_stopping_rounds) == (10, True, None)
    assert TrainingConfig.parse({**BASE, "nthread": "2"}).params["nthread"] == 2


def test_the_tuning_objective_is_evaluated_and_drives_early_stopping() -> None:
    raw = {**BASE, "objective": "binary:logistic", "eval_metric": "logloss,auc", "early_stopping_rounds": "5"}
    alone = TrainingConfig.parse(raw)
    assert alone.params["eval_metric"] == ["logloss", "auc"] and alone.early_stopping_metric == "auc"
    tuned = TrainingConfig.parse({**raw, "_tuning_objective_metric": "validation:aucpr"})
    assert tuned.params["eval_metric"] == ["auc", "aucpr", "logloss"]  # the container sorts the union
    assert (tuned.early_stopping_metric, tuned.early_stopping_rounds) == ("aucpr", 5)


def test_container_metrics_go_to_custom_metric_and_need_a_metric_for_early_stopping() -> None:
    config = TrainingConfig.parse({**BASE, "objective": "binary:logistic", "eval_metric": "f1_binary,auc"})
    assert config.custom_metrics == ("f1_binary",) and config.params["eval_metric"] == ["auc"]
    only_custom = TrainingConfig.parse({**BASE, "objective": "binary:logistic", "eval_metric": "accuracy"})
    assert "eval_metric" not in only_custom.params  # XGBoost's default metric is printed besides
    # early_stopping_rounds without eval_metric or tuning objective: no early stopping (container rule)
    assert TrainingConfig.parse({**BASE, "early_stopping_rounds": "3"}).early_stopping_rounds is None


@pytest.mark.parametrize(
    ("raw", "field"),
    [({"_kfold": "5"}, "_kfold"), ({"tree_method": "gpu_hist"}, "tree_method"),
     ({"use_dask_gpu_training": "true"}, "use_dask_gpu_training")],
)  # fmt: skip
def test_modes_that_need_aws_are_refused_by_name(raw: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        TrainingConfig.parse({**BASE, **raw})
    assert caught.value.field == field


def test_constraints_reach_xgboost_in_its_string_form() -> None:
    config = TrainingConfig.parse({**BASE, "tree_method": "hist", "monotone_constraints": "(1, -1)",
                                   "interaction_constraints": "[[1, 2], [3]]"})  # fmt: skip
    assert config.params["monotone_constraints"] == "(1,-1)"
    assert config.params["interaction_constraints"] == "[[1,2],[3]]"
