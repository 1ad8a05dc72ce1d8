"""Daily mean power into DeepAR JSON lines: one series per full year, train = year minus its horizon.

The raw input is either the UCI minute file (`household_power_consumption.txt`, `;`-separated, `?`
for missing) or the bundled `daily_mean_global_active_power.csv`. The seed's method on the minute
file: fill each missing minute with the mean of the whole column, then average by calendar day.
The train channel holds each year without its last `prediction_length` days so that the test
channel (the full years) scores DeepAR on days it never trained on; 2010 is never used.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.common.io import single_file, write_jsonlines
from ml_code.common.sm_env import ProcessingDirs
from ml_code.power_forecasting._raw_file import UCI_COLUMNS, RawFile

UCI_MISSING = ["?", "nan", ""]  # the seed's na_values; `?` is what the UCI file uses
DAILY_COLUMNS = ("date", "value_udacity_method")
RAW_PATTERNS = ("*.txt", "*.csv", "*.txt.gz", "*.csv.gz", "*.zip")

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


def yearly_series(daily: pd.Series, years: list[int], source: str) -> list[pd.Series]:
    """One series per calendar year; every day must be present, since DeepAR reads gaps as shifts."""
    out = []
    for year in years:
        days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        series = daily.reindex(days)
        if series.isna().any():
            first = series.index[series.isna()][0].date()
            raise InputError(
                source, f"year {year} lacks {int(series.isna().sum())} days, first {first}",
                field="date", expected=f"all {len(days)} days of {year}",
            )  # fmt: skip
        out.append(series)
    return out


def deepar_records(series: list[pd.Series], drop_last: int = 0) -> list[dict[str, object]]:
    """DeepAR's JSON-lines records: `{"start": "YYYY-MM-DD 00:00:00", "target": [...]}`."""
    return [
        {
            "start": s.index[0].strftime("%Y-%m-%d %H:%M:%S"),
            "target": [float(v) for v in s.to_numpy()[: len(s) - drop_last]],
        }
        for s in series
    ]


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", default="2007,2008,2009", help="full calendar years, one series each")
    parser.add_argument(
        "--prediction-length", type=int, default=30, help="days held out of each train series"
    )
    parser.add_argument("--input-dir", action="append", help="NAME=PATH override (raw)")
    parser.add_argument("--output-dir", action="append", help="NAME=PATH override (train, test)")
    args = parser.parse_args(argv)
    try:
        years = [int(y) for y in args.years.split(",")]
    except ValueError:
        parser.error(f"--years must be comma-separated years, got {args.years!r}")
    if args.prediction_length < 1 or args.prediction_length >= 365:
        parser.error("--prediction-length must be between 1 and 364 days")
    dirs = ProcessingDirs(args.input_dir, args.output_dir)
    raw = single_file(dirs.input("raw"), RAW_PATTERNS)
    series = yearly_series(read_daily(raw), years, str(raw))
    train, test = deepar_records(series, args.prediction_length), deepar_records(series)
    write_jsonlines(dirs.output("train") / "train.json", train)
    write_jsonlines(dirs.output("test") / "test.json", test)
    print(f"{len(series)} series, test {[len(s) for s in series]} days, train {args.prediction_length} fewer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
