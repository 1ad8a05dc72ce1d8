"""Preprocess on malformed raw files: one InputError naming file, file line and field; no outputs."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml_code.common.errors import InputError
from ml_code.power_forecasting import preprocess
from tests.ml_code.power_forecasting.power_inputs import DATA, UCI_HEADER, preprocess_argv


def _uci_lines(year: int = 2008) -> list[str]:
    """Header and one row per hour of `year` in the UCI format; every 50th row missing as UCI writes it."""
    stamps = pd.date_range(f"{year}-01-01", f"{year}-12-31 23:00", freq="h")
    lines = [UCI_HEADER]
    for i, t in enumerate(stamps):
        values = "?;?;?;?;?;?;" if i % 50 == 7 else f"{1 + (i % 13) / 10:.3f};0.1;240.0;4.0;0.0;1.0;17.0"
        lines.append(f"{t:%-d/%-m/%Y};{t:%H:%M:%S};{values}")
    return lines


def _daily_lines() -> list[str]:
    return (DATA / "daily_mean_global_active_power.csv").read_text().splitlines()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return folder


def _argv(tmp_path: Path, raw: Path, *extra: str) -> list[str]:
    return preprocess_argv(raw, tmp_path / "o", *extra)


def _main(tmp_path: Path, raw: Path, *extra: str) -> int:
    return preprocess.main(_argv(tmp_path, raw, *extra))


def _error(tmp_path: Path, name: str, data: bytes | str, *extra: str) -> InputError:
    """The InputError that `main` raises on this raw file; checks that it wrote nothing."""
    raw = _write(tmp_path, name, data.encode() if isinstance(data, str) else data)
    with pytest.raises(InputError) as info:
        preprocess.main.__wrapped__(_argv(tmp_path, raw, *extra))  # type: ignore[attr-defined]
    assert info.value.file == str(raw / name)
    assert not list((tmp_path / "o").rglob("*.json"))
    return info.value


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


# 1. Not UTF-8


def test_random_bytes_are_not_utf8_text(tmp_path: Path) -> None:
    data = np.random.default_rng(0).bytes(4096)
    err = _error(tmp_path, "household_power_consumption.txt", data)
    assert "not UTF-8 text" in str(err)


def test_uci_header_then_latin1_names_the_line(tmp_path: Path) -> None:
    lines = _uci_lines()
    data = _text(lines[:40]).encode() + "17/2/2008;05:00:00;1,5 kW é\n".encode("latin-1")
    err = _error(tmp_path, "household_power_consumption.txt", data + _text(lines[40:]).encode())
    assert err.row == 41 and "not UTF-8 text" in str(err)


def test_non_utf8_in_an_unused_column_is_caught_too(tmp_path: Path) -> None:
    lines = _uci_lines()
    lines[9] = lines[9].replace(":00:00", ":00:\xb000")  # in Time, which the parse skips
    err = _error(tmp_path, "power.txt", _text(lines).encode("latin-1"), "--years", "2008")
    assert err.row == 10


def test_daily_csv_not_utf8_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path / "no_container"))  # no failure file to write
    lines = _daily_lines()
    data = _text(lines[:7]).encode() + b"\xff\xfe\x00garbage\n" + _text(lines[7:]).encode()
    raw = _write(tmp_path, "daily.csv", data)
    assert _main(tmp_path, raw) == 2
    err = capsys.readouterr().err
    assert "row 8" in err and "not UTF-8 text" in err and "Traceback" not in err
    assert not list((tmp_path / "o").rglob("*.json"))


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("power.txt.gz", gzip.compress(_text(_uci_lines()).encode())[:5000], "not a readable gzip file"),
        ("power.txt.gz", b"plain text", "not a readable gzip file"),
        ("power.zip", _zip({"a.txt": _text(_uci_lines()), "b.txt": "x"}), "zip holds 2 files"),
        ("daily.csv", b'date,value_udacity_method\n2008-01-01,"1.5\n', "cannot be read as CSV"),
    ],
)
def test_unreadable_file(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    assert message in str(_error(tmp_path, name, data))


# 2. Rows with the wrong number of fields


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("16/9/2008;01:00:00", "Global_active_power"),  # cut short
        ("16/9/2008;01:00:00;1.000;0.1;240.0;4.0;0.0;1.0", "Sub_metering_3"),  # 8 fields
        ("16/9/2008;01:00:00;1.000;0.1;240.0;4.0;0.0;1.0;17.0;3", None),  # a 10th field
        ("16/9/2008;01:00:00;?;?;?;?;?;?;;", None),  # a 10th, empty field
    ],
)
def test_row_with_wrong_field_count(tmp_path: Path, line: str, field: str | None) -> None:
    lines = _uci_lines()
    lines[6000] = line
    err = _error(tmp_path, "power.txt", _text(lines), "--years", "2008")
    assert (err.row, err.field) == (6001, field)
    assert err.expected is not None and "9 fields" in err.expected


@pytest.mark.parametrize("name", ["power.txt.gz", "power.zip"])
def test_compressed_file_names_the_line(tmp_path: Path, name: str) -> None:
    lines = ["", *_uci_lines()]
    lines[4321] = "16/9/2008;01:00:00"
    text = _text(lines)
    data = gzip.compress(text.encode()) if name.endswith(".gz") else _zip({"power.txt": text})
    err = _error(tmp_path, name, data, "--years", "2008")
    assert (err.row, err.field) == (4322, "Global_active_power")


def test_truncated_last_line(tmp_path: Path) -> None:
    lines = [*_uci_lines(2009), "31/12/2009;23:5"]
    err = _error(tmp_path, "power.txt", "\n".join(lines), "--years", "2009")  # no final newline
    assert (err.row, err.field) == (len(lines), "Global_active_power")


def test_extra_field_in_first_row_does_not_shift_columns(tmp_path: Path) -> None:
    lines = _uci_lines()
    lines[1] += ";0.0"
    err = _error(tmp_path, "power.txt", _text(lines), "--years", "2008")
    assert err.row == 2 and "10 fields" in str(err)


def test_header_with_extra_column(tmp_path: Path) -> None:
    lines = _uci_lines()
    lines[0] += ";Note"
    assert _error(tmp_path, "power.txt", _text(lines), "--years", "2008").row == 1


def test_stray_carriage_return_splits_a_row(tmp_path: Path) -> None:
    lines = _uci_lines()
    lines[300] = lines[300].replace(";0.1;", ";0.1\r;")  # pandas ends the row at a bare \r
    assert _error(tmp_path, "power.txt", _text(lines), "--years", "2008").row == 301


def _daily_means(tmp_path: Path, data: bytes, name: str = "power.txt") -> list[float]:
    """The test series that `main` writes for 2008 from this raw file."""
    raw = _write(tmp_path, name, data)
    assert _main(tmp_path, raw, "--years", "2008") == 0
    (record,) = (
        json.loads(line) for line in (tmp_path / "o" / "test" / "test.json").read_text().splitlines()
    )
    return [float(v) for v in record["target"]]


def test_well_formed_variants_still_read(tmp_path: Path) -> None:
    lines = _uci_lines()
    plain = _daily_means(tmp_path / "plain", _text(lines).encode())
    crlf = "\r\n".join(lines).encode()  # no final line break either
    gz = gzip.compress(_text(lines).encode())
    blank = _text(["", *lines[:100], "", "  ", "\t", *lines[100:], ""]).encode()
    assert _daily_means(tmp_path / "crlf", crlf) == plain
    assert _daily_means(tmp_path / "gz", gz, "power.txt.gz") == plain
    assert _daily_means(tmp_path / "blank", blank) == plain
    assert _daily_means(tmp_path / "bom", "\ufeff".encode() + _text(lines).encode()) == plain
    assert _daily_means(tmp_path / "zip", _zip({"power.txt": _text(lines)}), "power.zip") == plain


# 3. Row numbers are file lines, blank lines included


def test_daily_bad_value_after_blank_lines(tmp_path: Path) -> None:
    lines = _daily_lines()
    lines.insert(300, "")
    lines.insert(500, "   ")
    lines[999] = lines[999].split(",")[0] + ",n/a," + ",".join(lines[999].split(",")[2:])
    err = _error(tmp_path, "daily.csv", _text(lines))
    assert (err.row, err.field) == (1000, "value_udacity_method")


@pytest.mark.parametrize(
    ("column", "bad", "field"),
    [(1, "inf", "value_udacity_method"), (0, "2008-13-01", "date"), (0, "2008-01-05", "date")],
)
def test_daily_other_row_errors_after_blank_lines(tmp_path: Path, column: int, bad: str, field: str) -> None:
    lines = _daily_lines()
    lines[10:10] = ["", ""]
    fields = lines[1000].split(",")
    fields[column] = bad  # 2008-01-05 is already in the file: a duplicate date
    lines[1000] = ",".join(fields)
    err = _error(tmp_path, "daily.csv", _text(lines))
    assert (err.row, err.field) == (1001, field)


@pytest.mark.parametrize(
    ("column", "bad", "field"), [(2, "1,5", "Global_active_power"), (0, "31/2/2008", "Date")]
)
def test_uci_bad_value_after_blank_lines(tmp_path: Path, column: int, bad: str, field: str) -> None:
    lines = _uci_lines()
    fields = lines[3000].split(";")
    fields[column] = bad
    lines[3000] = ";".join(fields)
    lines[1000:1000] = ["", " "]
    lines[2000:2000] = [""]  # the bad value is now on line 3004
    err = _error(tmp_path, "power.txt", _text(lines), "--years", "2008")
    assert (err.row, err.field) == (3004, field)


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    lines = ["", "", *_uci_lines()]
    lines[12] = lines[12].replace(";1.", ";oops")
    err = _error(tmp_path, "power.txt", _text(lines), "--years", "2008")
    assert (err.row, err.field) == (13, "Global_active_power")
