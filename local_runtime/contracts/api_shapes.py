"""Requests held to the AWS API model: botocore's service model is the single source.

Every request a state machine sends (optimised SageMaker integrations and `aws-sdk` tasks) is
checked here before the local service sees it, the way the real service validates its input:
unknown and missing members, types, enum values, lengths, ranges and patterns. Patterns are
matched whole, as AWS matches them (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` rejects `a_b`); the model's
Java-flavoured classes (`\\p{L}`, `\\p{Alnum}`) are read with the `regex` package. Messages follow
the services' wording: "Value 'x' at 'trainingJobName' failed to satisfy constraint: ...".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import regex

if TYPE_CHECKING:
    from botocore.model import Shape

from local_runtime.errors import SageMakerError

# Java's UTF-16 spelling of the supplementary planes, which Python's regex cannot read as written.
_SURROGATE_RANGE = r"\uD800\uDC00-\uDBFF\uDFFF"
_SUPPLEMENTARY = r"\U00010000-\U0010FFFF"


@dataclass(frozen=True)
class Violation:
    path: str  # e.g. hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs
    value: Any
    rule: str  # e.g. "Member must have length less than or equal to 63"

    def __str__(self) -> str:
        shown = _shown(self.value)
        return f"Value {shown} at '{self.path}' failed to satisfy constraint: {self.rule}"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return f"'{text[:200]}{'...' if len(text) > 200 else ''}'"


@cache
def _service(name: str) -> Any:
    import botocore.session  # loaded on the first check: `invoke` and `list` make none

    return botocore.session.get_session().get_service_model(name)


def operation_name(action: str) -> str:
    """`createTrainingJob` (Step Functions' spelling) -> `CreateTrainingJob` (the API's)."""
    return action[:1].upper() + action[1:]


def has_operation(service: str, action: str) -> bool:
    from botocore.model import OperationNotFoundError

    try:
        _service(service).operation_model(operation_name(action))
    except OperationNotFoundError:
        return False
    return True


@cache
def _pattern(text: str) -> Any:
    return regex.compile(text.replace(_SURROGATE_RANGE, _SUPPLEMENTARY))


def validate(service: str, action: str, params: dict[str, Any]) -> list[Violation]:
    """Every way `params` breaks the input shape of `service`'s `action` (empty: a valid request)."""
    operation = _service(service).operation_model(operation_name(action))
    found: list[Violation] = []
    if operation.input_shape is not None:
        _check(operation.input_shape, params, "", found)
    elif params:
        found.append(Violation("", params, f"{operation.name} takes no parameters"))
    return found


def require_valid(service: str, action: str, params: dict[str, Any]) -> None:
    """Raise the service's ValidationException for a request its model rejects."""
    violations = validate(service, action, params)
    if violations:
        raise SageMakerError("ValidationException", message(violations))


def message(violations: list[Violation]) -> str:
    """The services' summary line: `N validation error(s) detected: a; b`."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(map(str, violations))


def _member_path(parent: str, member: str) -> str:
    camel = member[:1].lower() + member[1:]
    return f"{parent}.{camel}" if parent else camel


def _check(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    checker = _CHECKS.get(shape.type_name)
    if checker is not None:
        checker(shape, value, path, found)


def _structure(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if not isinstance(value, dict):
        found.append(Violation(path, value, f"Member must be a structure ({shape.name})"))
        return
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            found.append(Violation(_member_path(path, name), None, "Member must not be null"))
    for name, item in value.items():
        if name not in members:
            known = ", ".join(members)
            found.append(
                Violation(_member_path(path, name), item, f"Member is not in {shape.name} (known: {known})")
            )
        elif item is not None:
            _check(members[name], item, _member_path(path, name), found)


def _bounds(shape: Shape, value: Any, path: str, measured: float, what: str, found: list[Violation]) -> None:
    """The model's `min`/`max`: of a length (strings, lists, maps, blobs) or of a value (numbers)."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measured < low:
        found.append(Violation(path, value, f"Member must have {what} greater than or equal to {low}"))
    if high is not None and measured > high:
        found.append(Violation(path, value, f"Member must have {what} less than or equal to {high}"))


def _length(shape: Shape, value: Any, path: str, size: int, found: list[Violation]) -> None:
    _bounds(shape, value, path, size, "length", found)


def _list(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if not isinstance(value, list):
        found.append(Violation(path, value, "Member must be a list"))
        return
    _length(shape, value, path, len(value), found)
    for index, item in enumerate(value, start=1):
        _check(shape.member, item, f"{path}.{index}.member", found)


def _map(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if not isinstance(value, dict):
        found.append(Violation(path, value, "Member must be a map"))
        return
    _length(shape, value, path, len(value), found)
    for key, item in value.items():
        _check(shape.key, key, f"{path}.key", found)
        _check(shape.value, item, f"{path}.{key}", found)


def _string(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if not isinstance(value, str):
        found.append(Violation(path, value, "Member must be a string"))
        return
    _length(shape, value, path, len(value), found)
    enum = shape.enum
    if enum and value not in enum:
        found.append(Violation(path, value, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
    pattern = shape.metadata.get("pattern")
    if pattern and _pattern(pattern).fullmatch(value) is None:
        found.append(Violation(path, value, f"Member must satisfy regular expression pattern: {pattern}"))


def _range(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    _bounds(shape, value, path, value, "value", found)


def _integer(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        found.append(Violation(path, value, "Member must be an integer"))
        return
    _range(shape, value, path, found)


def _number(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        found.append(Violation(path, value, "Member must be a number"))
        return
    _range(shape, value, path, found)


def _boolean(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if not isinstance(value, bool):
        found.append(Violation(path, value, "Member must be a boolean"))


def _timestamp(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    if not isinstance(value, str | int | float | dt.datetime) or isinstance(value, bool):
        found.append(Violation(path, value, "Member must be a timestamp"))


def _blob(shape: Shape, value: Any, path: str, found: list[Violation]) -> None:
    # Step Functions passes a blob as text, and serializes a JSON value (e.g. S3 PutObject's Body)
    # before the call; other types cannot be sent.
    if isinstance(value, dict | list):
        return
    if not isinstance(value, str | bytes | bytearray):
        found.append(Violation(path, value, "Member must be a blob"))
        return
    _length(shape, value, path, len(value), found)


_CHECKS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}
