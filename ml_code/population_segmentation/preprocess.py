"""Census preprocessing: validate the ACS 2015 county table, drop incomplete rows, min-max scale.

Reproduces the case study's data preparation (index "State-County", CensusId/State/County dropped,
each of the 34 numeric columns scaled to [0, 1]) and keeps the scaling in `meta/features.json` so
that cluster profiles can be read back in original units. Row numbers in errors are file lines
(the header is line 1), as an editor shows them.
"""

from __future__ import annotations

import argparse
import csv
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from ml_code.common import io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError

ID_COLUMNS = ("CensusId", "State", "County")
FEATURES = (
    "TotalPop", "Men", "Women", "Hispanic", "White", "Black", "Native", "Asian", "Pacific", "Citizen",
    "Income", "IncomeErr", "IncomePerCap", "IncomePerCapErr", "Poverty", "ChildPoverty", "Professional",
    "Service", "Office", "Construction", "Production", "Drive", "Carpool", "Transit", "Walk", "OtherTransp",
    "WorkAtHome", "MeanCommute", "Employed", "PrivateWork", "PublicWork", "SelfEmployed", "FamilyWork",
    "Unemployment",
)  # fmt: skip
COUNTY_KEY = "State-County"


def read_census(path: Path) -> pd.DataFrame:
    """The raw table as text (no cell silently coerced), indexed by file line, every row as wide as the
    header and every required column present exactly once."""
    reader = csv.reader(StringIO(io.read_utf8(path), newline=""))
    try:
        header = next(reader, None)
        rows, lines = [], []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is not None and len(row) != len(header):
                raise InputError(
                    str(path),
                    f"{len(row)} fields",
                    row=reader.line_num,
                    expected=f"{len(header)} as in the header",
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(str(path), f"not a readable CSV ({exc})", row=reader.line_num) from None
    if header is None:
        raise InputError(str(path), "file is empty", expected="a header row and county rows")
    for column in (*ID_COLUMNS, *FEATURES):
        if column not in header:
            raise InputError(
                str(path), "required column is missing", row=1, field=column, expected="in the header"
            )
        if header.count(column) > 1:  # pandas would then return a frame where a column is expected
            raise InputError(
                str(path),
                f"column appears {header.count(column)} times",
                row=1,
                field=column,
                expected="each column once in the header",
            )
    if not rows:
        raise InputError(str(path), "no county rows", expected="at least one row after the header")
    return pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"))


def to_numeric(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Feature columns as floats; a blank cell is a missing value, anything else must be a finite number."""
    cells = raw.loc[:, list(FEATURES)].apply(lambda col: col.str.strip())
    values = cells.apply(pd.to_numeric, errors="coerce")
    bad = (cells != "") & ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise InputError(
            str(path),
            f"{cells.iat[row, col]!r} is not a number",
            row=int(cells.index[row]),
            field=FEATURES[col],
            expected="a finite number or an empty cell",
        )
    return values  # blank cells are NaN here, and drop the row in prepare()


def prepare(raw: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, object]]:
    """Scaled features indexed by "State-County", plus the metadata written to features.json."""
    values = to_numeric(raw, path)
    names = raw.loc[:, ["State", "County"]].apply(lambda col: col.str.strip())
    complete = values.notna().all(axis=1) & (names != "").all(axis=1) & (raw["CensusId"].str.strip() != "")
    values = values[complete]
    if values.empty:
        raise InputError(str(path), "every row has a missing value", expected="at least one complete row")
    values.index = pd.Index(names["State"][complete] + "-" + names["County"][complete], name=COUNTY_KEY)
    duplicated = values.index.duplicated()
    if duplicated.any():
        row = int(complete.index[complete][np.argmax(duplicated)])
        raise InputError(
            str(path), f"county {values.index[duplicated][0]!r} appears twice", row=row, field=COUNTY_KEY
        )
    low, high = values.min(), values.max()
    constant = [name for name in FEATURES if high[name] == low[name]]
    if constant:
        raise InputError(str(path), "column is constant, cannot min-max scale", field=constant[0])
    scaled = (values - low) / (high - low)
    meta = {
        "source": path.name,
        "rows": len(scaled),
        "dropped_incomplete_rows": int((~complete).sum()),
        "features": list(FEATURES),
        "min": [float(low[n]) for n in FEATURES],
        "max": [float(high[n]) for n in FEATURES],
    }
    return scaled, meta


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml_code.population_segmentation.preprocess", description=__doc__
    )
    parser.add_argument("--input-dir", action="append", help="NAME=PATH override, e.g. raw=data/census")
    parser.add_argument("--output-dir", action="append", help="NAME=PATH override, e.g. train=/tmp/train")
    args = parser.parse_args(argv)
    dirs = sm_env.ProcessingDirs(args.input_dir, args.output_dir)
    path = io.single_file(dirs.input("raw"), ("*.csv",))
    scaled, meta = prepare(read_census(path), path)
    io.write_text(dirs.output("train") / "census_scaled.csv", scaled.to_csv(header=False, index=False))
    io.write_text(dirs.output("meta") / "counties.csv", scaled.index.to_frame().to_csv(index=False))
    io.write_json(dirs.output("meta") / "features.json", meta)
    dropped = meta["dropped_incomplete_rows"]
    print(f"preprocess: {meta['rows']} counties x {len(FEATURES)} features ({dropped} incomplete dropped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
