"""Daily mean power into DeepAR JSON lines: one series per full year, train = year minus its horizon.

The raw input is either the UCI minute file (`household_power_consumption.txt`, `;`-separated, `?`
for missing) or the bundled `daily_mean_global_active_power.csv`. The seed's method on the minute
file: fill each missing minute with the mean of the whole column, then average by calendar day.
The train channel holds each year without its last `prediction_length` days so that the test
channel (the full years) scores DeepAR on days it never trained on; 2010 is never used.
"""

from __future__ import annotations

import argparse

import pandas as pd

from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.common.io import single_file, write_jsonlines
from ml_code.common.sm_env import ProcessingDirs
from ml_code.power_forecasting.readers import read_daily

RAW_PATTERNS = ("*.txt", "*.csv", "*.txt.gz", "*.csv.gz", "*.zip")


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
