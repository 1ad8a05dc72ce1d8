"""The moons preprocess step: the bundled split passes through byte for byte, generation reproduces it."""

from __future__ import annotations

import codecs
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from ml_code.common.errors import InputError
from ml_code.moon_classification import preprocess

DATA = Path(__file__).resolve().parents[3] / "data" / "moons"


def _run(tmp_path: Path, *extra: str, raw: Path = DATA) -> int:
    return preprocess.main(
        [
            "--input-dir",
            f"raw={raw}",
            "--output-dir",
            f"train={tmp_path / 'train'}",
            "--output-dir",
            f"test={tmp_path / 'test'}",
            *extra,
        ]
    )


def test_bundled_split_passes_through_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path) == 0
    assert (tmp_path / "train" / "train.csv").read_bytes() == (DATA / "train.csv").read_bytes()
    assert (tmp_path / "test" / "test.csv").read_bytes() == (DATA / "test.csv").read_bytes()
    out = capsys.readouterr().out
    assert "train: 450 rows, 221 with label 1" in out
    assert "test: 150 rows, 79 with label 1" in out


def test_generation_reproduces_the_bundled_files(tmp_path: Path) -> None:
    missing = tmp_path / "no-raw"  # --generate must not read the raw input
    assert (
        _run(tmp_path, "--generate", "--seed", "0", "--samples", "600", "--noise", "0.25", raw=missing) == 0
    )
    assert (tmp_path / "train" / "train.csv").read_bytes() == (DATA / "train.csv").read_bytes()
    assert (tmp_path / "test" / "test.csv").read_bytes() == (DATA / "test.csv").read_bytes()


def test_generation_depends_on_the_seed() -> None:
    a = preprocess.generate(seed=0, samples=600, noise=0.25)
    b = preprocess.generate(seed=1, samples=600, noise=0.25)
    assert a["train"][0].shape == (450, 2) and a["test"][0].shape == (150, 2)
    assert not np.allclose(a["train"][0], b["train"][0])


def test_read_split_values() -> None:
    features, labels = preprocess.read_split(DATA / "train.csv")
    assert features.shape == (450, 2) and labels.dtype == np.int64
    assert labels[:3].tolist() == [0, 1, 1]
    assert features[0].tolist() == [-0.3306898646373981, 0.5466015077307917]


@pytest.mark.parametrize(
    ("content", "row", "field", "message"),
    [
        ("", None, None, "file is empty"),
        ("\n\n", None, None, "file is empty"),
        ("0,0.1,0.2\n1,0.3\n", 2, None, "has 2 columns"),
        ("0,0.1,0.2,0.3\n", 1, None, "has 4 columns"),
        ("label,x1,x2\n0,0.1,0.2\n", 1, "label", "'label' is not a number"),
        ("0,0.1,0.2\n1,abc,0.2\n", 2, "x1", "'abc' is not a number"),
        ("0,0.1,nan\n", 1, "x2", "is not finite"),
        ("0,0.1,0.2\n2,0.1,0.2\n", 2, "label", "label is '2'"),
        ("0.5,0.1,0.2\n", 1, "label", "label is '0.5'"),
        ('"0\n",0.1,0.2\n1,abc,0.2\n', 3, "x1", "'abc' is not a number"),  # file line, not record
        ("0,0.1," + "1" * 200_000 + "\n", 1, None, "field larger than field limit"),
    ],
)
def test_bad_rows_are_named(
    tmp_path: Path, content: str, row: int | None, field: str | None, message: str
) -> None:
    path = tmp_path / "train.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        preprocess.read_split(path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), row, field)
    assert message in str(err.value)


def test_bad_test_file_leaves_no_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(DATA / "train.csv", raw / "train.csv")
    (raw / "test.csv").write_text("1,0.1,0.2\n0,0.3,oops\n")
    assert _run(tmp_path, raw=raw) == 2
    assert f"{raw / 'test.csv'}, row 2, field 'x2'" in capsys.readouterr().err
    assert not list(tmp_path.glob("t*/*.csv"))


def test_missing_file_and_single_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "train.csv").write_text("1,0.1,0.2\n1,0.3,0.4\n")
    assert _run(tmp_path, raw=raw) == 2
    assert "test.csv: file does not exist" in capsys.readouterr().err
    (raw / "test.csv").write_text("1,0.1,0.2\n0,0.3,0.4\n")
    assert _run(tmp_path, raw=raw) == 2
    assert "train.csv, field 'label': holds only one class" in capsys.readouterr().err
    assert not list(tmp_path.glob("t*/*.csv"))


def test_bytes_that_are_not_utf8_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_bytes("0,0.1,0.2\n1,0.3,0.4\n0,0.5,0.6 café\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        preprocess.read_split(path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 3, None)
    assert "byte 0xe9 is not UTF-8 text" in str(err.value)


def test_random_bytes_fail_cleanly_and_leave_no_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(DATA / "train.csv", raw / "train.csv")
    (raw / "test.csv").write_bytes(random.Random(0).randbytes(4096))
    assert _run(tmp_path, raw=raw) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {raw / 'test.csv'}, row ") and "is not UTF-8 text" in err
    assert not list(tmp_path.glob("t*/*.csv"))


def test_excel_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_bytes(codecs.BOM_UTF8 + (DATA / "train.csv").read_bytes())
    features, labels = preprocess.read_split(path)
    expected_features, expected_labels = preprocess.read_split(DATA / "train.csv")
    assert np.array_equal(features, expected_features) and np.array_equal(labels, expected_labels)
