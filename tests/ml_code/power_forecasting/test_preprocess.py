"""Preprocess: the bundled daily csv reproduces the seed's DeepAR inputs exactly; the UCI format works."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml_code.common.errors import InputError
from ml_code.power_forecasting import preprocess
from tests.ml_code.power_forecasting.power_inputs import DATA, UCI_HEADER, preprocess_argv


def _run(tmp_path: Path, raw: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    return preprocess.main(preprocess_argv(raw, out, *extra)), out


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _raw(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir(parents=True)
    (folder / name).write_text(text)
    return folder


def test_bundled_csv_reproduces_the_seed_json_exactly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "daily.csv").write_bytes((DATA / "daily_mean_global_active_power.csv").read_bytes())
    rc, out = _run(tmp_path, raw)
    assert rc == 0
    for channel in ("train", "test"):
        ours, seed = (
            _records(out / channel / f"{channel}.json"),
            _records(DATA / "deepar_udacity" / f"{channel}.json"),
        )
        assert [r["target"] for r in ours] == [r["target"] for r in seed]  # bit-identical floats
        assert [pd.Timestamp(r["start"]) for r in ours] == [pd.Timestamp(r["start"]) for r in seed]
        assert [r["start"] for r in ours] == [
            "2007-01-01 00:00:00",
            "2008-01-01 00:00:00",
            "2009-01-01 00:00:00",
        ]
    assert [len(r["target"]) for r in _records(out / "train" / "train.json")] == [335, 336, 335]


def _uci_year(year: int, missing_every: int = 7) -> tuple[str, pd.Series]:
    """A year in the UCI format with hourly rows, every `missing_every`-th value `?`; expected daily means."""
    stamps = pd.date_range(f"{year}-01-01", f"{year}-12-31 23:00", freq="h")
    power = np.round(1 + np.sin(np.arange(stamps.size) / 17.0) ** 2, 3)
    missing = np.arange(stamps.size) % missing_every == 3
    lines = [UCI_HEADER]
    for t, p, gone in zip(stamps, power, missing, strict=True):
        value = "?" if gone else f"{p:.3f}"
        lines.append(f"{t:%-d/%-m/%Y};{t:%H:%M:%S};{value};0.1;240.0;4.0;0.0;1.0;17.0")
    filled = np.where(missing, power[~missing].mean(), power)  # the seed's fill: the column mean
    return "\n".join(lines) + "\n", pd.Series(filled, index=stamps).resample("D").mean()


def test_uci_minute_format_with_question_marks(tmp_path: Path) -> None:
    text, expected = _uci_year(2008)
    rc, out = _run(tmp_path, _raw(tmp_path, "household_power_consumption.txt", text), "--years", "2008")
    assert rc == 0
    (test,) = _records(out / "test" / "test.json")
    (train,) = _records(out / "train" / "train.json")
    assert test["start"] == "2008-01-01 00:00:00"
    np.testing.assert_allclose(test["target"], expected.to_numpy(), rtol=1e-12)
    assert len(test["target"]) == 366 and train["target"] == test["target"][:-30]


def _error(tmp_path: Path, name: str, text: str, *extra: str) -> InputError:
    raw = _raw(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        preprocess.main.__wrapped__(preprocess_argv(raw, tmp_path / "o", *extra))  # type: ignore[attr-defined]
    assert not list((tmp_path / "o").rglob("*.json"))
    return info.value


def test_non_numeric_power_names_its_row(tmp_path: Path) -> None:
    text, _ = _uci_year(2008)
    lines = text.splitlines()
    fields = lines[41].split(";")
    fields[2] = "1,5"  # a decimal comma: not a number, not a missing marker
    lines[41] = ";".join(fields)
    err = _error(tmp_path, "power.txt", "\n".join(lines) + "\n", "--years", "2008")
    assert (err.row, err.field) == (42, "Global_active_power")


def test_missing_uci_column(tmp_path: Path) -> None:
    text = "Date;Time;Global_active_power;Voltage\n16/12/2006;17:24:00;4.216;234.84\n"
    err = _error(tmp_path, "power.txt", text)
    assert (err.row, err.field) == (1, "Global_reactive_power")


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in str(_error(tmp_path, "power.txt", ""))


def test_year_missing_days(tmp_path: Path) -> None:
    daily = pd.read_csv(DATA / "daily_mean_global_active_power.csv")
    kept = daily[daily["date"] != "2008-02-29"]
    err = _error(tmp_path, "daily.csv", kept.to_csv(index=False), "--years", "2008")
    assert err.field == "date" and "2008-02-29" in str(err)


def test_daily_csv_bad_value_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "date,value_udacity_method\n2008-01-01,1.5\n2008-01-02,n/a\n"
    err = _error(tmp_path, "daily.csv", text)
    assert (err.row, err.field) == (3, "value_udacity_method")
    rc, out = _run(tmp_path / "again", _raw(tmp_path / "again", "daily.csv", text))
    assert rc == 2 and "row 3" in capsys.readouterr().err
    assert not (out / "test" / "test.json").exists()
