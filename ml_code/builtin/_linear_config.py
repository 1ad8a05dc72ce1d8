"""LinearLearner's hyperparameters: SageMaker's names, defaults and ranges, parsed and checked once.

`auto` (or leaving a setting out where the real algorithm searches it) becomes `None`, and the
parallel models of `_linear_training` draw that setting each for themselves.
https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html
"""

from __future__ import annotations

from dataclasses import dataclass

from ml_code.builtin._hyperparameters import HYPERPARAMETERS_FILE, TUNING_OBJECTIVE
from ml_code.builtin._hyperparameters import Hyperparameters as RawHyperparameters
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
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__) - INERT - {"loss", TUNING_OBJECTIVE})
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
                else h.number(
                    "positive_example_weight_mult",
                    1.0,
                    positive=True,
                    expected="a number > 0, balanced or auto",
                )
            ),
            epochs=h.integer("epochs", 15),
            mini_batch_size=h.integer("mini_batch_size", 1000),
            learning_rate=None if "learning_rate" in auto else h.number("learning_rate", 0.0, positive=True),
            l1=None if "l1" in auto else h.number("l1", 0.0),
            wd=None if "wd" in auto else h.number("wd", 0.0),
            normalize_data=h.boolean("normalize_data", True),
            num_models=(
                1  # a tuning trial: no internal search, whatever is set (linear-learner-tuning.html)
                if raw.get(TUNING_OBJECTIVE, "").strip()
                else AUTO_NUM_MODELS
                if "num_models" in auto
                else h.integer("num_models")
            ),
            early_stopping_patience=h.integer("early_stopping_patience", 3),
            early_stopping_tolerance=h.number("early_stopping_tolerance", 0.001),
            beta=h.number("beta", 1.0, positive=True),
            use_bias=h.boolean("use_bias", True),
            optimizer=h.choice("optimizer", "auto", ("auto", "adam", "sgd")).replace("auto", "adam"),
        )


def _unit(h: RawHyperparameters, name: str, default: float) -> float:
    value = h.number(name, default, positive=True, expected="a number in (0, 1]")
    if value > 1:
        raise InputError(
            HYPERPARAMETERS_FILE, f"bad value {value}", field=name, expected="a number in (0, 1]"
        )
    return value
