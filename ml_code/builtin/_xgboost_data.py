"""XGBoost's CSV training channels: the label first, no header, instance weights second with
`csv_weights=1`; an empty feature cell is a missing value, as XGBoost's CSV reader takes it.

Every file of the channel folder is read in name order, except names starting with `.` or `_` (the
container skips them too). Other content types (libsvm, parquet, recordio-protobuf) are refused by
name; a channel without a ContentType is one the container reads as libsvm.
https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html#InputOutput-XGBoost
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ml_code.builtin import _csv
from ml_code.common import io, sm_env
from ml_code.common.errors import InputError


@dataclass(frozen=True)
class Channel:
    x: np.ndarray  # features, NaN where missing
    y: np.ndarray
    weights: np.ndarray | None
    folder: Path
    files: tuple[tuple[Path, int], ...]  # each file and its row count, for locating a row

    def locate(self, index: int) -> tuple[str, int]:
        """The file and line of row `index` (0-based), for messages."""
        for path, rows in self.files:
            if index < rows:
                return str(path), io.file_line(path, index, header_lines=0)
            index -= rows
        raise IndexError(index)


def check_content_type(channel: str) -> None:
    """text/csv (`csv`), with `label_size` 1 if given, as the container's `get_content_type` allows."""
    content_type = _csv.channel_content_type(channel)
    kind, *params = [part.strip().lower() for part in (content_type or "").split(";")]
    if kind not in ("text/csv", "csv"):
        found = f"content type {content_type!r}" if content_type else "no ContentType (read as libsvm)"
        raise InputError(f"channel {channel}", f"{found} is not supported locally", expected="text/csv")
    for param in params:
        key, _, value = param.partition("=")
        if key.strip() == "label_size" and value.strip() != "1":
            raise InputError(f"channel {channel}", f"{content_type!r}", field="label_size", expected="1")


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(str(folder), "channel folder does not exist")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
    if not files:
        raise InputError(str(folder), "channel has no files", expected="at least one CSV file")
    return files


def _bad_cell(path: Path, width: int | None) -> InputError:
    """The first cell that is not a number (an empty one is a missing value), after pandas failed."""
    for row, line in io.data_lines(path):
        cells = line.rstrip("\r\n").split(",")
        if width is not None and len(cells) != width:
            return InputError(str(path), f"{len(cells)} columns", row=row, expected=f"{width} columns")
        width = len(cells)
        for col, cell in enumerate(cells):
            try:
                value = float(cell) if cell.strip() else 0.0
            except ValueError:
                return InputError(str(path), f"{cell!r} is not a number", row=row, field=f"column {col}")
            if np.isinf(value):
                return InputError(str(path), f"{cell!r} is infinite", row=row, field=f"column {col}")
    return InputError(str(path), "could not be parsed as CSV", expected="comma-separated numbers, no header")


def _read(path: Path, width: int | None) -> np.ndarray:
    try:
        values = pd.read_csv(path, header=None, dtype=float, skip_blank_lines=True).to_numpy(dtype=float)
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "file is empty", expected="at least one CSV row") from None
    except (ValueError, pd.errors.ParserError):
        raise _bad_cell(path, width) from None
    if (width is not None and values.shape[1] != width) or np.isinf(values).any():
        raise _bad_cell(path, width)
    return values


def read_channel(channel: str, csv_weights: bool) -> Channel:
    """A label-first CSV channel; labels (and weights) present and finite on every row."""
    check_content_type(channel)
    folder = sm_env.channel_dir(channel)
    parts: list[np.ndarray] = []
    files: list[tuple[Path, int]] = []
    for path in _files(folder):
        parts.append(_read(path, parts[0].shape[1] if parts else None))
        files.append((path, len(parts[-1])))
    data = np.vstack(parts)
    lead = 2 if csv_weights else 1
    if data.shape[1] <= lead:
        raise InputError(str(folder), f"{data.shape[1]} columns", expected=f"{lead} leading then features")
    found = Channel(data[:, lead:], data[:, 0], data[:, 1] if csv_weights else None, folder, tuple(files))
    for col, name in enumerate(("label", "weight")[:lead]):
        missing = np.flatnonzero(np.isnan(data[:, col]))
        if missing.size:
            file, line = found.locate(int(missing[0]))
            raise InputError(file, f"missing {name}", row=line, field=name, expected="a number")
    return found
