"""Training-side inputs shared by the local built-in algorithms: channel CSV files and their content type.

Stable API for the other built-ins (`linear_learner`, `deepar`):
- `read_feature_csv(folder) -> np.ndarray` every CSV row of a channel as floats, raising InputError
  naming file, row and column on a bad cell;
- `locate_row(folder, index) -> (file, line)` where a row of the above came from, for messages;
- `read_channel(channel, feature_dim, label_size=0) -> np.ndarray` the above, checked against the
  channel's declared content type and the `feature_dim` hyperparameter;
- `csv_label_size(channel, content_type, default) -> int` the `label_size` of a `text/csv` channel;
- `channel_content_type(channel) -> str | None` from `inputdataconfig.json`.

Built-in algorithms take CSV without a header; every file in the channel folder is read, in name
order, as SageMaker streams a channel's S3 objects into the container.
See https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-training.html
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ml_code.common import io, sm_env
from ml_code.common.errors import InputError


def channel_content_type(channel: str) -> str | None:
    """The channel's ContentType from `input/config/inputdataconfig.json`, or None if not given."""
    value = sm_env.input_data_config().get(channel, {}).get("ContentType")
    return str(value) if value else None


def csv_label_size(channel: str, content_type: str | None, default: int = 0) -> int:
    """`label_size` of a `text/csv` channel (`text/csv;label_size=0`); other formats are refused.
    Without the parameter, `default`: the algorithm's own layout (no label for PCA and k-means, the
    label first for LinearLearner)."""
    if content_type is None:
        return default
    kind, *params = [part.strip() for part in content_type.split(";")]
    if kind.lower() != "text/csv":
        raise InputError(
            f"channel {channel}",
            f"content type {content_type!r} is not supported locally",
            expected="text/csv",
        )
    for param in params:
        key, _, value = param.partition("=")
        if key.strip() == "label_size":
            if not value.strip().isdigit():
                raise InputError(
                    f"channel {channel}", f"bad label_size in {content_type!r}", expected="an integer"
                )
            return int(value)
    return default


def _channel_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(str(folder), "channel folder does not exist")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError(str(folder), "channel has no files", expected="at least one CSV file")
    return files


def _locate_bad_cell(path: Path, width: int | None) -> InputError:
    """Scan row by row (only after the fast parser failed) to name the first offending cell."""
    for row, line in io.data_lines(path):
        cells = line.rstrip("\r\n").split(",")
        if width is not None and len(cells) != width:
            return InputError(str(path), f"{len(cells)} columns", row=row, expected=f"{width} columns")
        width = len(cells)
        for col, cell in enumerate(cells):
            try:
                value = float(cell)
            except ValueError:
                return InputError(str(path), f"{cell!r} is not a number", row=row, field=f"column {col}")
            if not np.isfinite(value):
                return InputError(str(path), f"{cell!r} is not finite", row=row, field=f"column {col}")
    return InputError(str(path), "could not be parsed as CSV", expected="comma-separated numbers, no header")


def _read_one(path: Path, width: int | None) -> np.ndarray:
    try:
        frame = pd.read_csv(path, header=None, dtype=float, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "file is empty", expected="at least one CSV row") from None
    except (ValueError, pd.errors.ParserError):
        raise _locate_bad_cell(path, width) from None
    values = frame.to_numpy(dtype=float)
    if (width is not None and values.shape[1] != width) or not np.isfinite(values).all():
        raise _locate_bad_cell(path, width)
    return values


def read_feature_csv(folder: Path) -> np.ndarray:
    """All rows of all files in a channel folder as one float matrix (rows x columns)."""
    width: int | None = None
    parts = []
    for path in _channel_files(folder):
        part = _read_one(path, width)
        width = part.shape[1]
        parts.append(part)
    return np.vstack(parts)


def locate_row(folder: Path, index: int) -> tuple[str, int]:
    """The file and line number of row `index` (0-based) of `read_feature_csv(folder)`, for error
    messages: files in the same order, blank lines skipped as the reader skips them."""
    remaining = index
    for path in _channel_files(folder):
        for line_number, _ in io.data_lines(path):
            if remaining == 0:
                return str(path), line_number
            remaining -= 1
    raise IndexError(f"{folder} has no row {index}")


def read_channel(channel: str, feature_dim: int, *, label_size: int = 0) -> np.ndarray:
    """A channel's rows, checked against its declared `label_size` and against `feature_dim`
    (+ label columns, which come first)."""
    declared = csv_label_size(channel, channel_content_type(channel), label_size)
    if declared != label_size:
        raise InputError(
            f"channel {channel}", f"label_size={declared}", field="label_size", expected=f"{label_size}"
        )
    folder = sm_env.channel_dir(channel)
    x = read_feature_csv(folder)
    if x.shape[1] != feature_dim + label_size:
        got = f"data has {x.shape[1]} columns"
        raise InputError(
            str(folder), got, field="feature_dim", expected=f"{feature_dim} + {label_size} label"
        )
    return x
