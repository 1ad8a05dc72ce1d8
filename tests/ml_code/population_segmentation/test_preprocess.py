"""Census preprocessing on the bundled ACS table, and the errors a broken table gets."""

from __future__ import annotations

import codecs
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml_code.common.errors import InputError
from ml_code.population_segmentation import preprocess

CENSUS = Path(__file__).resolve().parents[3] / "data" / "census" / "acs2015_county_data.csv"


def _run(raw_dir: Path, out: Path) -> int:
    return preprocess.main(
        [
            "--input-dir",
            f"raw={raw_dir}",
            "--output-dir",
            f"train={out / 'train'}",
            "--output-dir",
            f"meta={out / 'meta'}",
        ]
    )


def _outputs(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file())


def _broken_copy(tmp_path: Path, edit: str) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(parents=True)
    (raw / "census.csv").write_text(edit)
    return raw


def test_bundled_table_is_scaled_as_in_the_case_study(tmp_path: Path) -> None:
    assert _run(CENSUS.parent, tmp_path) == 0
    scaled = np.loadtxt(tmp_path / "train" / "census_scaled.csv", delimiter=",")
    counties = pd.read_csv(tmp_path / "meta" / "counties.csv")
    meta = json.loads((tmp_path / "meta" / "features.json").read_text())
    assert scaled.shape == (3218, 34)
    assert np.allclose(scaled.min(axis=0), 0.0) and np.allclose(scaled.max(axis=0), 1.0)
    assert list(counties.columns) == ["State-County"] and len(counties) == 3218
    assert counties["State-County"].iloc[0] == "Alabama-Autauga"
    assert meta["rows"] == 3218 and meta["dropped_incomplete_rows"] == 2
    assert meta["features"][0] == "TotalPop" and len(meta["features"]) == 34
    # Autauga, AL: TotalPop 55221 scaled with the table's own min and max.
    low, high = meta["min"][0], meta["max"][0]
    assert scaled[0, 0] == pytest.approx((55221 - low) / (high - low))
    assert (low, high) == (267.0, 10038388.0)


def test_missing_column_names_the_column_and_writes_nothing(tmp_path: Path) -> None:
    table = pd.read_csv(CENSUS).drop(columns=["Income"])
    raw = _broken_copy(tmp_path, table.to_csv(index=False))
    with pytest.raises(InputError) as err:
        preprocess.read_census(raw / "census.csv")
    assert (err.value.field, err.value.row) == ("Income", 1)
    assert _run(raw, tmp_path / "out") == 2
    assert _outputs(tmp_path / "out") == []


def test_non_numeric_cell_names_file_row_and_field(tmp_path: Path) -> None:
    lines = CENSUS.read_text().splitlines(keepends=True)
    cells = lines[4].split(",")
    cells[17] = "n/a"  # Poverty of the fourth county (file line 5)
    lines[4] = ",".join(cells)
    raw = _broken_copy(tmp_path, "".join(lines))
    path = raw / "census.csv"
    with pytest.raises(InputError) as err:
        preprocess.prepare(preprocess.read_census(path), path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 5, "Poverty")
    assert "'n/a' is not a number" in str(err.value)
    assert _run(raw, tmp_path / "out") == 2
    assert _outputs(tmp_path / "out") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("CensusId,State,County\n", "required column is missing"),
        (CENSUS.read_text().splitlines(keepends=True)[0], "no county rows"),
    ],
)
def test_empty_or_header_only_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    raw = _broken_copy(tmp_path, text)
    with pytest.raises(InputError, match=message):
        preprocess.read_census(raw / "census.csv")
    assert _run(raw, tmp_path / "out") == 2
    assert _outputs(tmp_path / "out") == []


def test_short_row_and_duplicate_county_are_refused(tmp_path: Path) -> None:
    lines = CENSUS.read_text().splitlines(keepends=True)
    short = _broken_copy(tmp_path / "a", "".join([*lines[:3], lines[3].rsplit(",", 2)[0] + "\n"]))
    with pytest.raises(InputError) as err:
        preprocess.read_census(short / "census.csv")
    assert err.value.row == 4 and "35 fields" in str(err.value)
    duplicate = _broken_copy(tmp_path / "b", "".join([*lines[:4], lines[2]]))
    with pytest.raises(InputError) as err:
        preprocess.prepare(preprocess.read_census(duplicate / "census.csv"), duplicate / "census.csv")
    assert (err.value.row, err.value.field) == (5, "State-County")


def test_excel_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "census.csv").write_bytes(codecs.BOM_UTF8 + CENSUS.read_bytes())  # Excel's "CSV UTF-8"
    with_bom = preprocess.read_census(raw / "census.csv")
    assert with_bom.columns[0] == "CensusId"
    pd.testing.assert_frame_equal(with_bom, preprocess.read_census(CENSUS))


def test_duplicated_column_names_file_row_and_field(tmp_path: Path) -> None:
    lines = CENSUS.read_text(encoding="utf-8").splitlines()
    extra = ["Income", *(["1"] * (len(lines) - 1))]  # a second Income column appended, as in a pasted sheet
    raw = _broken_copy(tmp_path, "".join(f"{line},{cell}\n" for line, cell in zip(lines, extra, strict=True)))
    path = raw / "census.csv"
    with pytest.raises(InputError) as err:
        preprocess.read_census(path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 1, "Income")
    assert "column appears 2 times" in str(err.value)
    assert _run(raw, tmp_path / "out") == 2
    assert _outputs(tmp_path / "out") == []


def test_non_utf8_file_names_file_and_line(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / "census.csv"
    # Saved as Latin-1: the first non-ASCII text is "Doña Ana" on line 1804.
    path.write_bytes(CENSUS.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(InputError) as err:
        preprocess.read_census(path)
    assert (err.value.file, err.value.row) == (str(path), 1804)
    assert "byte 0xf1 is not UTF-8 text" in str(err.value)
    assert _run(raw, tmp_path / "out") == 2
    assert _outputs(tmp_path / "out") == []
    path.write_bytes(random.Random(0).randbytes(4096))
    with pytest.raises(InputError, match="is not UTF-8 text") as err:
        preprocess.read_census(path)
    assert err.value.file == str(path) and err.value.row is not None
