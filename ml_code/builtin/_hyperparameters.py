"""SageMaker's hyperparameters as the built-in algorithms receive them: every value a string.

`Hyperparameters(raw)` parses each one once with `.integer / .number / .boolean / .choice /
.json_list`, and a bad value raises InputError naming `hyperparameters.json`, the field and what
was expected, as SageMaker's own validation names them.
https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html
"""

from __future__ import annotations

import json

import numpy as np

from ml_code.common.errors import InputError

HYPERPARAMETERS_FILE = "hyperparameters.json"
# Set in a tuning job's StaticHyperParameters by the SageMaker SDK's tuner (and by our stacks); every
# built-in accepts it. LinearLearner then turns its own parallel search off (num_models=1).
TUNING_OBJECTIVE = "_tuning_objective_metric"


class Hyperparameters:
    """SageMaker passes every hyperparameter as a string; parse each once, naming it on failure."""

    def __init__(self, raw: dict[str, str]) -> None:
        self.raw = raw

    def _error(self, name: str, expected: str) -> InputError:
        return InputError(
            HYPERPARAMETERS_FILE, f"bad value {self.raw.get(name)!r}", field=name, expected=expected
        )

    def _get(self, name: str, default: str | None) -> str:
        value = self.raw.get(name, default)
        if value is None:
            raise InputError(HYPERPARAMETERS_FILE, "required hyperparameter is missing", field=name)
        return value.strip()

    def integer(self, name: str, default: int | None = None, *, minimum: int = 1) -> int:
        value = self._get(name, None if default is None else str(default))
        try:
            number = int(value)
        except ValueError:
            raise self._error(name, f"an integer >= {minimum}") from None
        if number < minimum:
            raise self._error(name, f"an integer >= {minimum}")
        return number

    def number(
        self, name: str, default: float, *, minimum: float = 0.0, positive: bool = False, expected: str = ""
    ) -> float:
        """A finite number >= `minimum` (> 0 when `positive`); `expected` overrides the message's range."""
        expected = expected or ("a number > 0" if positive else f"a number >= {minimum}")
        try:
            number = float(self._get(name, str(default)))
        except ValueError:
            raise self._error(name, expected) from None
        if not np.isfinite(number) or number < minimum or (positive and number <= 0):
            raise self._error(name, expected)
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self._get(name, default)
        if value not in choices:
            raise self._error(name, f"one of {', '.join(choices)}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name, "true" if default else "false").lower()
        if value not in ("true", "false"):
            raise self._error(name, "true or false")
        return value == "true"

    def json_list(self, name: str, default: list[str], choices: tuple[str, ...]) -> list[str]:
        try:
            values = json.loads(self._get(name, json.dumps(default)))
        except json.JSONDecodeError:
            raise self._error(name, f"a JSON list drawn from {list(choices)}") from None
        if not isinstance(values, list) or not values or any(v not in choices for v in values):
            raise self._error(name, f"a JSON list drawn from {list(choices)}")
        return [str(v) for v in values]
