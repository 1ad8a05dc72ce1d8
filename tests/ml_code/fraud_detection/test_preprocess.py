"""Fraud preprocessing on the bundled sample, on a file shaped like Kaggle's full one, and on broken files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml_code.common.errors import InputError
from ml_code.fraud_detection import preprocess

SAMPLE = (
    Path(__file__).resolve().parents[3]
    / "data"
    / "creditcard"
    / "creditcard_sample_all492fraud_1230normal.csv.gz"
)
OUTPUTS = ("train", "validation", "test", "holdout_features", "meta")


def _run(raw: Path, out: Path, *extra: str) -> int:
    argv = ["--input-dir", f"raw={raw}", *extra]
    for name in OUTPUTS:
        argv += ["--output-dir", f"{name}={out / name}"]
    return preprocess.main(argv)


def _files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []


def _full_format(rows: int = 60, frauds: int = 10) -> pd.DataFrame:
    """Kaggle's creditcard.csv layout: 31 columns, no index column."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(rows, 30)), columns=preprocess.FEATURES)
    frame["Time"] = np.arange(rows, dtype=float) * 10
    frame["Amount"] = rng.uniform(0, 500, rows).round(2)
    frame["Class"] = [1] * frauds + [0] * (rows - frauds)
    return frame


def test_bundled_sample_is_split_by_class_with_its_sampling_rates(tmp_path: Path) -> None:
    assert _run(SAMPLE.parent, tmp_path, "--population-counts", "0=284315,1=492") == 0
    meta = json.loads((tmp_path / "meta" / "sampling.json").read_text())
    assert meta["class_counts_in_file"] == {"0": 1230, "1": 492}
    assert meta["sampling_rate"] == {"0": pytest.approx(1230 / 284315), "1": 1.0}
    assert meta["population_counts"] == {"0": 284315, "1": 492} and meta["seed"] == 42
    splits = {
        n: np.loadtxt(tmp_path / n / f"{n}.csv", delimiter=",") for n in ("train", "validation", "test")
    }
    assert meta["split_counts"] == {"train": {"0": 738, "1": 296}, "validation": {"0": 246, "1": 98},
                                    "test": {"0": 246, "1": 98}}  # fmt: skip
    for name, data in splits.items():
        assert data.shape[1] == 31  # label first, then Time, V1..V28, Amount
        assert int(data[:, 0].sum()) == meta["split_counts"][name]["1"]
        assert data[:, 0].mean() == pytest.approx(492 / 1722, abs=0.002)  # stratified: same fraud share
    for name in ("validation", "test"):
        features = np.loadtxt(tmp_path / "holdout_features" / f"{name}.csv", delimiter=",")
        assert np.array_equal(features, splits[name][:, 1:])
    every_row = np.vstack(list(splits.values()))
    original = pd.read_csv(SAMPLE, index_col=0)
    assert every_row.shape[0] == 1722 and np.isclose(every_row[:, 30].sum(), original["Amount"].sum())


def test_split_is_reproducible_and_follows_the_seed(tmp_path: Path) -> None:
    for name, seed in (("a", "42"), ("b", "42"), ("c", "7")):
        assert _run(SAMPLE.parent, tmp_path / name, "--seed", seed) == 0
    read = {n: (tmp_path / n / "train" / "train.csv").read_text() for n in "abc"}
    assert read["a"] == read["b"] and read["a"] != read["c"]


def test_full_kaggle_layout_gzipped_with_quoted_labels(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    text = _full_format().to_csv(index=False).replace(",1\n", ',"1"\n').replace(",0\n", ',"0"\n')
    with gzip.open(raw / "creditcard.csv.gz", "wt") as fh:
        fh.write(text)
    assert _run(raw, tmp_path / "out", "--validation-fraction", "0.1", "--test-fraction", "0.3") == 0
    meta = json.loads((tmp_path / "out" / "meta" / "sampling.json").read_text())
    assert meta["sampling_rate"] == {"0": 1.0, "1": 1.0}  # no population counts: the file is the population
    assert meta["split_counts"]["test"] == {"0": 15, "1": 3} and meta["split_counts"]["validation"] == {
        "0": 5,
        "1": 1,
    }
    train = np.loadtxt(tmp_path / "out" / "train" / "train.csv", delimiter=",")
    assert train.shape == (36, 31)


@pytest.mark.parametrize(
    ("edit", "row", "field"),
    [
        (lambda f: f.drop(columns=["V7"]), 1, "V7"),
        (lambda f: f.assign(V3=f["V3"].astype(object).where(f.index != 4, "abc")), 6, "V3"),
        (lambda f: f.assign(Amount=f["Amount"].where(f.index != 9, np.nan)), 11, "Amount"),
        (lambda f: f.assign(Class=f["Class"].where(f.index != 2, 2)), 4, "Class"),
    ],
    ids=["missing column", "non-numeric", "empty cell", "label not 0/1"],
)
def test_bad_input_names_file_row_field_and_writes_nothing(
    tmp_path: Path, edit, row: int, field: str
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    edit(_full_format()).to_csv(raw / "creditcard.csv", index=False)
    with pytest.raises(InputError) as caught:
        preprocess.load_transactions(raw / "creditcard.csv")
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(raw / "creditcard.csv"),
        row,
        field,
    )
    assert _run(raw, tmp_path / "out") == 2
    assert _files(tmp_path / "out") == []


def test_rows_are_file_lines_across_blank_lines_and_cells_are_shown_as_written(tmp_path: Path) -> None:
    path = tmp_path / "creditcard.csv"
    lines = _full_format().to_csv(index=False).splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",2"  # file line 4: label 2
    path.write_text("\n".join([lines[0], "", lines[1], "", *lines[2:]]) + "\n")  # two blank lines
    with pytest.raises(InputError) as caught:
        preprocess.load_transactions(path)
    assert (caught.value.row, caught.value.field) == (6, "Class")  # line 4 moved down by the two blanks
    assert "value '2'" in str(caught.value) and "np." not in str(caught.value)


def test_empty_file_and_too_few_rows_are_input_errors(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "creditcard.csv").write_text("")
    with pytest.raises(InputError, match="file is empty"):
        preprocess.load_transactions(raw / "creditcard.csv")
    (raw / "creditcard.csv").write_text(",".join([*preprocess.FEATURES, "Class"]) + "\n")
    with pytest.raises(InputError, match="no data rows"):
        preprocess.load_transactions(raw / "creditcard.csv")
    _full_format(rows=12, frauds=2).to_csv(raw / "creditcard.csv", index=False)
    assert _run(raw, tmp_path / "out") == 2  # 2 frauds cannot fill train, validation and test
    assert _files(tmp_path / "out") == []


def test_population_smaller_than_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="population"):
        preprocess.sampling_meta(np.array([0, 0, 1]), {0: 1, 1: 10}, "x.csv")
    assert preprocess.parse_counts("0=284315,1=492") == {0: 284315, 1: 492}
    with pytest.raises(SystemExit):
        _run(SAMPLE.parent, tmp_path, "--population-counts", "0=10")
