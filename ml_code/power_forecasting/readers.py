"""Daily mean power from either raw format: the UCI minute file or the bundled daily CSV.

`read_daily(path)` tells the formats apart by the header line. Every error names the file, the line
(as it is in the file, blank lines included) and the field; the fast pandas parse runs first, and the
slower re-reads that locate a problem run only once it failed.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml_code.common.errors import InputError
from ml_code.power_forecasting._raw_file import UCI_COLUMNS, RawFile

UCI_MISSING = ["?", "nan", ""]  # the seed's na_values; `?` is what the UCI file uses
DAILY_COLUMNS = ("date", "value_udacity_method")

UCI_FIELDS = f"{len(UCI_COLUMNS)} fields separated by ';'"


def _header(raw: RawFile, **read: Any) -> list[str]:
    try:
        return [str(c) for c in pd.read_csv(raw.path, nrows=0, **read).columns]
    except pd.errors.EmptyDataError:
        raise raw.error("file is empty", line=1, expected="a header line") from None
    except pd.errors.ParserError as exc:  # e.g. a quote that is never closed
        raise raw.error(f"cannot be read as CSV ({exc})") from None


def _check_uci_fields(raw: RawFile) -> None:
    """Every line holds the 9 UCI fields.

    The fast parse cannot tell: it pads a short row with empty fields (read as missing, then filled)
    and, with `usecols`, drops extra ones. RawFile.scan has already looked at the separators.
    """
    if raw.uci_shaped:
        return
    for number, line in enumerate(raw.lines, start=1):
        count = line.count(b";") + 1
        if count != len(UCI_COLUMNS) and line.strip(b" \t"):
            short = count < len(UCI_COLUMNS)  # then name the first missing field
            raise raw.error(
                f"missing, the line ends after {count} fields" if short else f"line has {count} fields",
                line=number,
                field=UCI_COLUMNS[count] if short else None,
                expected=UCI_FIELDS,
            )


def _first_bad_number(raw: RawFile, values: pd.Series, field: str, missing: list[str]) -> InputError | None:
    """Name the first value that is neither a number nor a missing marker (only runs on bad input)."""
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna() & ~values.fillna("").str.strip().isin(missing)
    if not bad.any():
        return None
    pos = int(np.flatnonzero(bad.to_numpy())[0])
    return raw.error(
        f"{values.iloc[pos]!r} is not a number",
        pos=pos,
        field=field,
        expected="a number" + (" or ?" if missing else ""),
    )


def _explain(
    raw: RawFile, exc: ValueError, read: dict[str, Any], field: str, missing: list[str]
) -> InputError:
    """Why the fast parse failed: re-read as text to name the first value that is not a number."""
    unreadable = raw.error(f"cannot be read as CSV ({exc})")
    try:
        text = pd.read_csv(raw.path, dtype=str, **read)[field]
    except ValueError:
        return unreadable
    return _first_bad_number(raw, text, field, missing) or unreadable


def _parse_dates(raw: RawFile, text: pd.Series, fmt: str, field: str) -> pd.Series:
    # Parse each distinct date once: the minute file repeats every date 1,440 times.
    text = text.fillna("")
    uniques = pd.Series(text.unique())
    parsed = pd.to_datetime(uniques, format=fmt, errors="coerce")
    if parsed.isna().any():
        bad = uniques[parsed.isna()].iloc[0]
        pos = int(np.flatnonzero((text == bad).to_numpy())[0])
        raise raw.error(f"{bad!r} is not a date", pos=pos, field=field, expected=fmt)
    return text.map(dict(zip(uniques, parsed, strict=True)))


def read_uci_minutes(raw: RawFile) -> pd.Series:
    """Daily mean Global_active_power from the minute file, by the seed's fill-with-column-mean method."""
    _check_uci_fields(raw)
    columns = ["Date", "Global_active_power"]
    read: dict[str, Any] = {
        "sep": ";",
        "usecols": columns,
        "na_values": UCI_MISSING,
        "keep_default_na": False,
        "quoting": csv.QUOTE_NONE,  # so that every `;` separates, as _check_uci_fields counted
    }
    try:
        frame = pd.read_csv(raw.path, dtype={"Date": str, "Global_active_power": "float64"}, **read)
    except ValueError as exc:  # e.g. a value that is not a number
        raise _explain(raw, exc, read, "Global_active_power", UCI_MISSING) from None
    if frame.empty:
        raise raw.error("no data rows", line=raw.line(-1) + 1, expected="one row per minute")
    power = frame["Global_active_power"]
    if power.isna().all():
        raise raw.error("every value is missing", field="Global_active_power")
    filled = power.fillna(power.mean())
    days = _parse_dates(raw, frame["Date"], "%d/%m/%Y", "Date")
    return filled.groupby(days.to_numpy()).mean().rename("value")


def read_daily_csv(raw: RawFile) -> pd.Series:
    """The bundled daily series (`value_udacity_method` is the seed's value for every day)."""
    # round_trip: the file holds Python reprs of the seed's floats; the default parser can be 1 ulp off.
    read: dict[str, Any] = {
        "usecols": list(DAILY_COLUMNS),
        "keep_default_na": False,
        "float_precision": "round_trip",
    }
    try:
        frame = pd.read_csv(raw.path, dtype={"date": str, "value_udacity_method": "float64"}, **read)
    except pd.errors.EmptyDataError:
        raise raw.error("file is empty", line=1, expected="a header line") from None
    except ValueError as exc:  # e.g. a value that is not a number, or a quote never closed
        raise _explain(raw, exc, read, "value_udacity_method", []) from None
    if frame.empty:
        raise raw.error("no data rows", line=raw.line(-1) + 1, expected="one row per day")
    values = frame["value_udacity_method"]
    if not np.isfinite(values.to_numpy()).all():
        pos = int(np.flatnonzero(~np.isfinite(values.to_numpy()))[0])
        raise raw.error("value is not finite", pos=pos, field=DAILY_COLUMNS[1], expected="a number")
    days = _parse_dates(raw, frame["date"], "%Y-%m-%d", "date")
    if days.duplicated().any():
        pos = int(np.flatnonzero(days.duplicated().to_numpy())[0])
        raise raw.error("date appears twice", pos=pos, field="date")
    return pd.Series(values.to_numpy(), index=pd.DatetimeIndex(days), name="value").sort_index()


def read_daily(path: Path) -> pd.Series:
    """Daily mean power from either raw format, told apart by the header line."""
    raw = RawFile.scan(path)
    # QUOTE_NONE as in read_uci_minutes: a quoted header is not the UCI one.
    header = _header(raw, sep=";", quoting=csv.QUOTE_NONE)
    if "Global_active_power" in header:
        missing = [c for c in UCI_COLUMNS if c not in header]
        if missing:
            raise raw.error("missing column", pos=-1, field=missing[0], expected=";".join(UCI_COLUMNS))
        return read_uci_minutes(raw)
    columns = _header(raw)
    for name in (n for n in DAILY_COLUMNS if n not in columns):
        raise raw.error("missing column", pos=-1, field=name, expected="the UCI or the daily header")
    return read_daily_csv(raw)
