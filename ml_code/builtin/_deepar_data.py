"""DeepAR's JSON-lines series: read a channel, check each record, hand GluonTS its entries.

Record format (https://docs.aws.amazon.com/sagemaker/latest/dg/deepar.html#deepar-inputoutput):
`{"start": "2009-11-01 00:00:00", "target": [4.0, "NaN", ...], "cat": [0, 1], "dynamic_feat": [[...]]}`;
missing target values are `"NaN"` or null. SageMaker reads every file of a channel, gzipped or not.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml_code.common.errors import InputError


class RecordError(ValueError):
    """One record is malformed; the caller adds where it came from (file row or request)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Series:
    start: pd.Timestamp
    target: np.ndarray  # float, NaN where missing
    cat: tuple[int, ...] | None = None
    dynamic_feat: np.ndarray | None = None  # (num_feat, length)


def _floats(values: Any, field: str, allow_missing: bool) -> np.ndarray:
    if not isinstance(values, list) or not values:
        raise RecordError(field, "must be a non-empty list of numbers")
    out = np.empty(len(values))
    for i, v in enumerate(values):
        if v is None or v == "NaN":
            if not allow_missing:
                raise RecordError(field, f"value {i} is missing")
            out[i] = math.nan
        elif isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            out[i] = v
        else:
            raise RecordError(field, f"value {i} ({v!r}) is not a number")
    return out


def parse_record(obj: Any) -> Series:
    """Check one record (from a file or a request) and convert it to arrays."""
    if not isinstance(obj, dict):
        raise RecordError("record", "must be a JSON object")
    for name in ("start", "target"):
        if name not in obj:
            raise RecordError(name, "is missing")
    try:
        start = pd.Timestamp(obj["start"]) if isinstance(obj["start"], str) else None
    except ValueError:
        start = None
    if start is None or pd.isna(start):
        raise RecordError("start", f"{obj['start']!r} is not a timestamp like 2009-11-01 00:00:00")
    target = _floats(obj["target"], "target", allow_missing=True)
    cat = obj.get("cat")
    if cat is not None and not (
        isinstance(cat, list) and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in cat)
    ):
        raise RecordError("cat", "must be a list of non-negative integers")
    dyn = obj.get("dynamic_feat")
    feats = None
    if dyn is not None:
        if not isinstance(dyn, list) or not dyn:
            raise RecordError("dynamic_feat", "must be a list of lists of numbers")
        feats = (
            np.stack([_floats(f, "dynamic_feat", allow_missing=False) for f in dyn])
            if _same_len(dyn)
            else None
        )
        if feats is None:
            raise RecordError("dynamic_feat", "every feature must have the same length")
    return Series(start, target, None if cat is None else tuple(cat), feats)


def _same_len(lists: list[Any]) -> bool:
    return all(isinstance(x, list) for x in lists) and len({len(x) for x in lists}) == 1


def _lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic: SageMaker accepts gzipped channel files whatever their name
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(
            str(path), "not UTF-8 text", expected="DeepAR JSON lines (optionally gzipped)"
        ) from None


def read_channel(folder: Path) -> list[Series]:
    """Every series in every file of a channel folder (hidden files skipped, as SageMaker's manifest does)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError(str(folder), "channel has no files", expected="DeepAR JSON lines")
    series: list[Series] = []
    for path in files:
        for row, line in enumerate(_lines(path), start=1):
            if not line.strip():
                continue
            try:
                series.append(parse_record(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"not valid JSON ({exc.msg})", row=row) from None
            except RecordError as exc:
                raise InputError(str(path), str(exc), row=row, field=exc.field) from None
    if not series:
        raise InputError(str(folder), "channel holds no series", expected="at least one JSON line")
    return series
