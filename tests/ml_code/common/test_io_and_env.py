"""Atomic outputs, checked readers and the /opt/ml contract."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from ml_code.common import io, sm_env
from ml_code.common.entry import EXIT_BAD_INPUT, entry_point
from ml_code.common.errors import InputError


def test_atomic_write_leaves_nothing_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "out" / "data.csv"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_read_jsonlines_names_the_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(InputError, match=r"x\.jsonl, row 2: not valid JSON"):
        io.read_jsonlines(path)
    path.write_text("")
    with pytest.raises(InputError, match="file is empty"):
        io.read_jsonlines(path)


def test_single_file_requires_exactly_one(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("1")
    (tmp_path / "b.csv").write_text("1")
    with pytest.raises(InputError, match=r"found 2 matching files \(a\.csv, b\.csv\)"):
        io.single_file(tmp_path, ("*.csv",))


def test_paths_follow_the_root_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sm_env.ROOT_ENV, str(tmp_path))
    monkeypatch.delenv("SM_MODEL_DIR", raising=False)
    monkeypatch.delenv("SM_CHANNEL_TRAIN", raising=False)
    assert sm_env.processing_input("raw") == tmp_path / "processing/input/raw"
    assert sm_env.model_dir() == tmp_path / "model"
    assert sm_env.channel_dir("train") == tmp_path / "input/data/train"
    (tmp_path / "input/config").mkdir(parents=True)
    (tmp_path / "input/config/hyperparameters.json").write_text(json.dumps({"k": 8}))
    assert sm_env.hyperparameters() == {"k": "8"}
    dirs = sm_env.ProcessingDirs(inputs=[f"raw={tmp_path / 'elsewhere'}"])
    assert dirs.input("raw") == tmp_path / "elsewhere"
    assert dirs.output("train") == tmp_path / "processing/output/train"


def test_entry_point_turns_input_errors_into_exit_2_and_a_failure_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(sm_env.ROOT_ENV, str(tmp_path))

    @entry_point
    def main(argv: list[str] | None = None) -> int:
        raise InputError("in.csv", "not a number", row=3, field="Income", expected="a float")

    assert main([]) == EXIT_BAD_INPUT
    message = "in.csv, row 3, field 'Income': not a number (expected a float)"
    assert message in capsys.readouterr().err
    assert message in (tmp_path / "output/failure").read_text()


def test_bad_request_is_a_4xx_for_sagemakers_inference_toolkit(monkeypatch: pytest.MonkeyPatch) -> None:
    from ml_code.common import errors

    error = errors.BadRequest("row 2: expected 2 features", status=415)
    assert (error.status, error.status_code, error.phrase) == (415, 415, "Unsupported Media Type")
    assert str(error) == error.message == "row 2: expected 2 features" and isinstance(error, ValueError)

    # here, without the toolkit, BadRequest stands on the stand-in of the same shape
    assert issubclass(errors.BadRequest, errors.serving_error_base())

    class ToolkitError(Exception):  # where the toolkit is installed, its class is the base
        pass

    toolkit = types.ModuleType("sagemaker_inference.errors")
    toolkit.BaseInferenceToolkitError = ToolkitError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sagemaker_inference", types.ModuleType("sagemaker_inference"))
    monkeypatch.setitem(sys.modules, "sagemaker_inference.errors", toolkit)
    assert errors.serving_error_base() is ToolkitError


def test_file_line_counts_as_pandas_does_blank_lines_before_the_header_too(tmp_path: Path) -> None:
    import gzip

    import pandas as pd

    text = "\na,b\n1,2\n\n   \n3,4\n"  # header on line 2, data rows on lines 3 and 6
    path = tmp_path / "t.csv"
    path.write_text(text)
    assert len(pd.read_csv(path)) == 2
    assert [io.file_line(path, row) for row in (0, 1)] == [3, 6]
    packed = tmp_path / "t.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert io.file_line(packed, 1) == 6


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (b"0,1\n1,2\n2,\xe9\n", 3),
        (b"0,1\r1,2\r2,\xe9\r", 3),  # CR-only line ends (old Mac "CSV")
        (b"0,1\r\n1,2\r\n\xe9,3\r\n", 3),  # the bad byte opens its line
        (b"\xe9", 1),
    ],
)
def test_read_utf8_names_the_line_of_the_first_bad_byte(tmp_path: Path, body: bytes, line: int) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(body)
    with pytest.raises(InputError) as caught:
        io.read_utf8(path)
    assert caught.value.row == line and "0xe9" in str(caught.value)
