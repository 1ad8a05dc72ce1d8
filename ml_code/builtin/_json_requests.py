"""The JSON request forms of the built-ins' inference: which numbers each instance holds.

`application/json` is `{"instances": [...]}`, `application/jsonlines` one instance per line; an
instance is `{"features": [...]}`, `{"data": {"features": [...]}}` or the protocol-buffer equivalent
`{"data": {"features": {"values": [...], "keys": [...], "shape": [n]}}}` (with keys: sparse).
https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-inference.html
"""

from __future__ import annotations

import json
from typing import Any

from ml_code.common.errors import BadRequest

# A sparse request names its vector's length; the model checks it in predict_fn, but the dense copy
# is built before that, so a huge `shape` must not reach memory. No model here has a tenth of this.
MAX_FEATURES = 100_000


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise BadRequest(f"{what} nests JSON too deeply") from None


def _instances(text: str, lines: bool) -> list[Any]:
    """`{"instances": [...]}` for application/json; one instance object per line for jsonlines."""
    if lines:
        instances = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                instances.append(_json(line, f"line {number}"))
        return instances
    payload = _json(text, "request body")
    listed = payload.get("instances") if isinstance(payload, dict) else None
    if not isinstance(listed, list) or not listed:
        raise BadRequest('expected {"instances": [{"features": [...]}, ...]} with at least one instance')
    return listed


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _features(instance: Any, number: int) -> Any:
    """The documented instance forms: `{"features": [...]}`, `{"data": {"features": [...]}}` and
    `{"data": {"features": {"values": [...], "keys": [...], "shape": [n]}}}` (keys: a sparse vector)."""
    if isinstance(instance, dict) and "features" in instance:
        return instance["features"]
    data = instance.get("data") if isinstance(instance, dict) else None
    element = data.get("features") if isinstance(data, dict) else None
    if not isinstance(element, dict):
        if element is None:
            raise BadRequest(f'instance {number}: expected "features": [...] or "data": {{"features": ...}}')
        return element
    values, keys, shape = element.get("values"), element.get("keys"), element.get("shape")
    if not keys:
        return values
    if not (
        isinstance(shape, list)
        and len(shape) == 1
        and _is_index(shape[0])
        and 0 < shape[0] <= MAX_FEATURES
        and isinstance(keys, list)
        and isinstance(values, list)
        and len(keys) == len(values)
        and all(_is_index(k) and 0 <= k < shape[0] for k in keys)
    ):
        raise BadRequest(
            f'instance {number}: sparse "features" need as many integer keys as values, each below'
            f" shape [n] (n at most {MAX_FEATURES})"
        )
    dense: list[Any] = [0.0] * shape[0]
    for key, value in zip(keys, values, strict=True):
        dense[key] = value
    return dense


def features_per_instance(text: str, lines: bool) -> list[Any]:
    """Each instance's features, dense; the caller checks that they are equally many numbers."""
    return [_features(instance, number) for number, instance in enumerate(_instances(text, lines), start=1)]
