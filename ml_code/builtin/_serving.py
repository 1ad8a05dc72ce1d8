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

from ml_code.builtin import _json_requests
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


def _parse_instances(body: bytes | str, kind: str, n_features: int | None) -> np.ndarray:
    rows: list[list[float]] = []
    instances = _json_requests.features_per_instance(_text(body), lines=kind == JSONLINES)
    for number, features in enumerate(instances, start=1):
        width = _width(rows, n_features) or (len(features) if isinstance(features, list) else 0)
        if not isinstance(features, list) or not features or len(features) != width:
            raise BadRequest(f'instance {number}: "features" must be a list of {width or "some"} numbers')
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in features):
            raise BadRequest(f'instance {number}: "features" has a value that is not a number')
        rows.append(features)
    try:
        matrix = np.asarray(rows, dtype=float)
    except OverflowError:  # an integer too large for a float
        raise BadRequest('"features" holds a number too large for a float') from None
    return _finite(matrix)


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
