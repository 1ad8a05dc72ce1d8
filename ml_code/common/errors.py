"""Errors that carry what a user needs to fix their input, never a library traceback."""

from __future__ import annotations

import importlib
from http import HTTPStatus
from typing import TYPE_CHECKING


class InputError(Exception):
    """A data file is not what the step expects: says which file, row and field, and what was expected."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file, self.row, self.field, self.expected = file, row, field, expected
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        text = f"{', '.join(where)}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class _ServingError(Exception):
    """Stand-in with the shape of the inference toolkit's `BaseInferenceToolkitError`."""

    def __init__(self, status_code: int, message: str, phrase: str) -> None:
        self.status_code, self.message, self.phrase = status_code, message, phrase
        super().__init__(status_code, message, phrase)


def serving_error_base() -> type[Exception]:
    """The error class SageMaker's framework serving containers answer with its own status code.

    The inference toolkit turns any other exception from `input_fn`/`predict_fn`/`output_fn` into a
    500, which counts in the endpoint's Invocation5XXErrors (the canary's rollback alarm) although
    the request, not the model, was at fault. Outside those containers, a stand-in of the same shape.
    https://github.com/aws/sagemaker-inference-toolkit/blob/master/src/sagemaker_inference/transformer.py
    """
    try:
        base: type[Exception] = importlib.import_module(
            "sagemaker_inference.errors"
        ).BaseInferenceToolkitError
    except (ImportError, AttributeError):
        return _ServingError
    return base


if TYPE_CHECKING:
    _Base = _ServingError
else:
    _Base = serving_error_base()


class BadRequest(ValueError, _Base):
    """An inference request the model cannot answer; endpoints turn it into a 4xx with this message."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        _Base.__init__(self, status, message, HTTPStatus(status).phrase)
        self.status = status
        self.args = (message,)  # str(error) is the message alone
