"""DeepAR's hyperparameters by their SageMaker names, parsed and checked once.

Names, defaults and allowed values follow
https://docs.aws.amazon.com/sagemaker/latest/dg/deepar_hyperparameters.html. SageMaker passes every
value as a string; an unknown name is rejected as SageMaker's own validation rejects it.
`random_seed` is a local-only extension (the service has none) and must not be sent to AWS.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from ml_code.builtin._hyperparameters import TUNING_OBJECTIVE
from ml_code.common.errors import InputError

SOURCE = "hyperparameters.json"
REQUIRED = ("time_freq", "context_length", "prediction_length", "epochs")
LIKELIHOODS = (
    "gaussian",
    "student-t",
    "negative-binomial",
    "beta",
)  # deterministic-L1 has no GluonTS equivalent
# SageMaker's time_freq units -> pandas offset aliases (pandas 2.2 renamed H to h).
FREQ_UNITS = {"min": "min", "H": "h", "D": "D", "W": "W", "M": "M"}
DEFAULT_QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class DeepARConfig:
    time_freq: str
    context_length: int
    prediction_length: int
    epochs: int
    num_cells: int = 40
    num_layers: int = 2
    likelihood: str = "student-t"
    dropout_rate: float = 0.1
    learning_rate: float = 0.001
    mini_batch_size: int = 128
    early_stopping_patience: int | None = None
    num_dynamic_feat: str = "auto"  # "auto", "ignore" or a count
    cardinality: str = "auto"  # "auto", "ignore" or a JSON list such as "[3, 12]"
    embedding_dimension: int = 10
    num_eval_samples: int = 100
    test_quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    random_seed: int = 0

    @property
    def pandas_freq(self) -> str:
        """`5min` -> `5min`, `H` -> `h`: the multiple is kept, the unit renamed."""
        unit = self.time_freq.lstrip("0123456789")
        return self.time_freq[: len(self.time_freq) - len(unit)] + FREQ_UNITS[unit]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> DeepARConfig:
        return cls(**{**obj, "test_quantiles": tuple(obj["test_quantiles"])})


def _number(name: str, text: str, kind: type, low: float, high: float = float("inf")) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise InputError(
            SOURCE, f"{text!r} is not a{'n integer' if kind is int else ' number'}", field=name
        ) from None
    if not low <= value <= high:
        raise InputError(
            SOURCE, f"{value} is out of range", field=name, expected=f"{low} <= {name} <= {high}"
        )
    return value


def _quantiles(text: str) -> tuple[float, ...]:
    try:
        values = json.loads(text)
        quantiles = tuple(float(q) for q in values)
    except (ValueError, TypeError):
        raise InputError(
            SOURCE, f"{text!r} is not a list", field="test_quantiles", expected="[0.1, 0.5, 0.9]"
        ) from None
    if not quantiles or not all(0 < q < 1 for q in quantiles):
        raise InputError(SOURCE, "quantiles must lie in (0, 1)", field="test_quantiles")
    return quantiles


def parse(hp: dict[str, str]) -> DeepARConfig:
    """Check every hyperparameter and return the typed config, or raise InputError naming the field."""
    known = {f.name for f in dataclasses.fields(DeepARConfig)}
    for name in hp:
        if name not in known and name != TUNING_OBJECTIVE:
            raise InputError(SOURCE, "unknown hyperparameter", field=name, expected=", ".join(sorted(known)))
    for name in REQUIRED:
        if name not in hp:
            raise InputError(SOURCE, "required hyperparameter is missing", field=name)
    freq = hp["time_freq"]
    if freq.lstrip("0123456789") not in FREQ_UNITS or freq.startswith("0"):
        raise InputError(
            SOURCE, f"{freq!r} is not a frequency", field="time_freq", expected="min, H, D, W, M (5min...)"
        )
    likelihood = hp.get("likelihood", "student-t").lower()
    if likelihood not in LIKELIHOODS:
        raise InputError(
            SOURCE, f"{likelihood!r} is not supported", field="likelihood", expected=", ".join(LIKELIHOODS)
        )
    dyn = hp.get("num_dynamic_feat", "auto")
    if dyn not in ("auto", "ignore"):
        dyn = str(_number("num_dynamic_feat", dyn, int, 0))
    card = hp.get("cardinality", "auto")
    if card not in ("auto", "ignore"):
        try:
            ok = all(isinstance(c, int) and c > 0 for c in json.loads(card))
        except (ValueError, TypeError):
            ok = False
        if not ok:
            raise InputError(
                SOURCE, f"{card!r} is not a list of counts", field="cardinality", expected="auto or [3, 12]"
            )
    patience = hp.get("early_stopping_patience")
    return DeepARConfig(
        time_freq=freq,
        context_length=_number("context_length", hp["context_length"], int, 1),
        prediction_length=_number("prediction_length", hp["prediction_length"], int, 1),
        epochs=_number("epochs", hp["epochs"], int, 1),
        num_cells=_number("num_cells", hp.get("num_cells", "40"), int, 1, 200),
        num_layers=_number("num_layers", hp.get("num_layers", "2"), int, 1, 8),
        likelihood=likelihood,
        dropout_rate=_number("dropout_rate", hp.get("dropout_rate", "0.1"), float, 0, 0.99),
        learning_rate=_number("learning_rate", hp.get("learning_rate", "0.001"), float, 1e-6, 1),
        mini_batch_size=_number("mini_batch_size", hp.get("mini_batch_size", "128"), int, 1, 1_000_000),
        early_stopping_patience=None
        if patience is None
        else _number("early_stopping_patience", patience, int, 1),
        num_dynamic_feat=dyn,
        cardinality=card,
        embedding_dimension=_number("embedding_dimension", hp.get("embedding_dimension", "10"), int, 1, 100),
        num_eval_samples=_number("num_eval_samples", hp.get("num_eval_samples", "100"), int, 1),
        test_quantiles=_quantiles(hp["test_quantiles"]) if "test_quantiles" in hp else DEFAULT_QUANTILES,
        random_seed=_number("random_seed", hp.get("random_seed", "0"), int, 0, 2**32 - 1),
    )
