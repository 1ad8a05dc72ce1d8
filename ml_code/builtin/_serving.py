"""Request parsing and response encoding shared by the local built-in algorithms' inference handlers.

Stable API for the other built-ins (`linear_learner`, `deepar`):
- `parse_csv_rows(body, content_type, n_features) -> np.ndarray` raising BadRequest (`n_features`
  None: every record as wide as the first, for `input_fn`, which has no model to ask);
- `parse_features(body, content_type, n_features) -> np.ndarray` for `text/csv`, `application/json`
  (`{"instances": [{"features": [...]}]}` and the documented `"data"` forms, sparse ones included) or
  `application/jsonlines` (one instance per line), 415 for any other content type;
- `require_width(data, n_features) -> np.ndarray` for `predict_fn` (BadRequest on a mismatch);
- `dump_records(records, accept, key="predictions") -> bytes` as `application/json`
  (`{key: records}`) or `application/jsonlines` (one record per line, what batch transform writes).

Formats follow the built-ins' documented common data formats:
https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-inference.html
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from ml_code.common.errors import BadRequest

JSON = "application/json"
JSONLINES = "application/jsonlines"
CSV = "text/csv"


def media_type(header: str | None) -> str:
    """`text/csv; charset=utf-8` -> `text/csv`; a missing header means JSON, SageMaker's default."""
    return (header or JSON).split(";", 1)[0].strip().lower() or JSON


def _text(body: bytes | str) -> str:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("request body is not UTF-8 text") from None
    if not body.strip():
        raise BadRequest("request body is empty")
    return body


def _finite(matrix: np.ndarray) -> np.ndarray:
    if not np.isfinite(matrix).all():
        row = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0]) + 1
        raise BadRequest(f"record {row}: values must be finite numbers")
    return matrix


def _width(rows: list[Any], n_features: int | None) -> int:
    """Records must all have `n_features` values; None (a handler's `input_fn` has no model yet) means
    the first record's width, and the model checks it in `predict_fn`."""
    return len(rows[0]) if n_features is None and rows else (n_features or 0)


def parse_csv_rows(body: bytes | str, content_type: str, n_features: int | None) -> np.ndarray:
    """Rows of `n_features` comma-separated numbers, one record per line, no header."""
    if media_type(content_type) != CSV:
        raise BadRequest(f"content type {content_type!r} is not text/csv", status=415)
    rows: list[list[float]] = []
    for number, line in enumerate((ln for ln in _text(body).splitlines() if ln.strip()), start=1):
        cells = line.split(",")
        width = _width(rows, n_features) or len(cells)
        if len(cells) != width:
            raise BadRequest(f"record {number}: {len(cells)} values, expected {width}")
        try:
            rows.append([float(cell) for cell in cells])
        except ValueError:
            raise BadRequest(
                f"record {number}: {line.strip()[:80]!r} has a value that is not a number"
            ) from None
    return _finite(np.asarray(rows, dtype=float))


def _instances(body: bytes | str, kind: str) -> list[Any]:
    """`{"instances": [...]}` for application/json; one instance object per line for jsonlines."""
    text = _text(body)
    if kind == JSONLINES:
        instances = []
        for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
            try:
                instances.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BadRequest(f"line {number} is not valid JSON ({exc.msg})") from None
        return instances
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON ({exc.msg})") from None
    listed = payload.get("instances") if isinstance(payload, dict) else None
    if not isinstance(listed, list) or not listed:
        raise BadRequest('expected {"instances": [{"features": [...]}, ...]} with at least one instance')
    return listed


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
        and isinstance(shape[0], int)
        and isinstance(keys, list)
        and isinstance(values, list)
        and len(keys) == len(values)
        and all(isinstance(k, int) and 0 <= k < shape[0] for k in keys)
    ):
        raise BadRequest(
            f'instance {number}: sparse "features" need as many keys as values, each below shape [n]'
        )
    dense: list[Any] = [0.0] * shape[0]
    for key, value in zip(keys, values, strict=True):
        dense[key] = value
    return dense


def _parse_instances(body: bytes | str, kind: str, n_features: int | None) -> np.ndarray:
    rows: list[list[float]] = []
    for number, instance in enumerate(_instances(body, kind), start=1):
        features = _features(instance, number)
        width = _width(rows, n_features) or (len(features) if isinstance(features, list) else 0)
        if not isinstance(features, list) or not features or len(features) != width:
            raise BadRequest(f'instance {number}: "features" must be a list of {width or "some"} numbers')
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in features):
            raise BadRequest(f'instance {number}: "features" has a value that is not a number')
        rows.append(features)
    return _finite(np.asarray(rows, dtype=float))


def parse_features(body: bytes | str, content_type: str, n_features: int | None = None) -> np.ndarray:
    kind = media_type(content_type)
    if kind == CSV:
        return parse_csv_rows(body, content_type, n_features)
    if kind in (JSON, JSONLINES):
        return _parse_instances(body, kind, n_features)
    raise BadRequest(
        f"content type {content_type!r} is not supported; use {CSV}, {JSON} or {JSONLINES}", status=415
    )


def require_width(data: np.ndarray, n_features: int) -> np.ndarray:
    """`predict_fn`'s check that the parsed records match the model's feature_dim."""
    if data.ndim != 2 or data.shape[1] != n_features:
        got = data.shape[1] if data.ndim == 2 else data.size
        raise BadRequest(f"records have {got} values; this model expects feature_dim={n_features}")
    return data


def dump_records(records: Sequence[dict[str, Any]], accept: str | None, key: str = "predictions") -> bytes:
    kind = media_type(accept)
    if kind in (JSON, "*/*"):
        return json.dumps({key: list(records)}).encode("utf-8")
    if kind == JSONLINES:
        return "".join(json.dumps(record) + "\n" for record in records).encode("utf-8")
    raise BadRequest(f"accept {accept!r} is not supported; use {JSON} or {JSONLINES}", status=406)
