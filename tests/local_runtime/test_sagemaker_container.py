"""The container contract pieces: /opt/ml rewriting, tar.gz artefacts, metrics, failures, runs."""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

import pytest

from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import channels, container, metrics


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/opt/ml/processing/input/code/run.py", "{root}/processing/input/code/run.py"),
        ("/opt/ml", "{root}"),
        ("--model-dir=/opt/ml/model", "--model-dir={root}/model"),
        ("/opt/ml/code:/opt/ml/processing/input/code", "{root}/code:{root}/processing/input/code"),
        ("/opt/mlflow/x", "/opt/mlflow/x"),  # another folder, not the /opt/ml prefix
        ("/data/opt/ml-ish", "/data/opt/ml-ish"),
        ("s3://bucket/opt/ml/file", "s3://bucket/opt/ml/file"),
    ],
)
def test_rewrite_opt_ml_replaces_only_the_container_root(tmp_path: Path, value: str, expected: str) -> None:
    assert container.rewrite_opt_ml(value, tmp_path) == expected.format(root=tmp_path)


def test_job_environment_puts_the_venv_first_and_the_root_in_ml_code_opt_ml(tmp_path: Path) -> None:
    extra = container.rewrite_all({"PYTHONPATH": "/opt/ml/processing/input/code", "MODE": "x"}, tmp_path)
    env = container.job_environment(tmp_path, extra, [Path("/first")])
    assert env["ML_CODE_OPT_ML"] == str(tmp_path)
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    assert env["PYTHONPATH"].split(":") == ["/first", f"{tmp_path}/processing/input/code"]
    assert env["MODE"] == "x"


def test_tar_directory_writes_members_at_the_archive_root_and_extracts_back(tmp_path: Path) -> None:
    src = tmp_path / "model"
    (src / "sub").mkdir(parents=True)
    (src / "weights.json").write_text("[1, 2]")
    (src / "sub" / "extra.txt").write_text("x")
    archive = tmp_path / "out" / "model.tar.gz"
    channels.tar_directory(src, archive)
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["sub", "sub/extra.txt", "weights.json"]
    channels.extract(archive, tmp_path / "back")
    assert (tmp_path / "back" / "sub" / "extra.txt").read_text() == "x"
    assert not list((tmp_path / "out").glob(".*"))  # no temp file left behind


def test_extract_refuses_members_outside_the_destination(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(channels.ChannelError, match=r"evil\.tar\.gz"):
        channels.extract(archive, tmp_path / "dest")
    assert not (tmp_path / "escaped.txt").exists()


def test_download_reports_missing_data_like_sagemaker(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path)
    (tmp_path / "b" / "data").mkdir(parents=True)
    (tmp_path / "b" / "data" / "a.csv").write_text("1\n")
    channels.download(s3, "s3://b/data", "S3Prefix", tmp_path / "in")
    assert (tmp_path / "in" / "a.csv").read_text() == "1\n"
    (tmp_path / "b" / "data" / "train").mkdir()
    (tmp_path / "b" / "data" / "train" / "part-0.csv").write_text("2\n")
    (tmp_path / "b" / "data" / "test.csv").write_text("3\n")
    channels.download(s3, "s3://b/data/tr", "S3Prefix", tmp_path / "partial")  # a partial key prefix
    assert sorted(
        p.relative_to(tmp_path / "partial").as_posix() for p in (tmp_path / "partial").rglob("*.csv")
    ) == ["train/part-0.csv"]
    with pytest.raises(channels.ChannelError, match=r'No S3 objects found under S3 URL "s3://b/none"'):
        channels.download(s3, "s3://b/none", "S3Prefix", tmp_path / "in2")
    with pytest.raises(channels.ChannelError, match="does not exist"):
        channels.download(s3, "s3://b/data", "S3Object", tmp_path / "in3")
    with pytest.raises(channels.ChannelError, match="ManifestFile"):
        channels.download(s3, "s3://b/data", "ManifestFile", tmp_path / "in4")


def test_builtin_metrics_keep_the_last_finite_value() -> None:
    logs = "#metric test:recall=0.5\nnoise\n#metric test:recall=0.91\n#metric train:loss=nan\n#metric x=abc\n"
    assert metrics.builtin_metrics(logs) == {"test:recall": 0.91}


def test_metric_definitions_use_the_first_group_and_the_last_match() -> None:
    logs = "validation:accuracy=0.8;\ntest:accuracy=0.7;\nvalidation:accuracy=0.85;\n"
    definitions = [
        {"Name": "validation:accuracy", "Regex": r"validation:accuracy=([0-9\.]+);"},
        {"Name": "test:accuracy", "Regex": r"test:accuracy=([0-9\.]+);"},
        {"Name": "absent", "Regex": r"absent=([0-9\.]+)"},
    ]
    assert metrics.defined_metrics(logs, definitions) == {"validation:accuracy": 0.85, "test:accuracy": 0.7}


def test_failure_reason_prefers_the_failure_file_then_the_last_stderr_line(tmp_path: Path) -> None:
    stderr = "Traceback (most recent call last):\n  ...\nKeyError: 'label'\n\n"
    assert container.failure_reason(tmp_path, stderr, 1) == "AlgorithmError: KeyError: 'label' (exit code 1)"
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "failure").write_text("InputError: train.csv, row 3: bad\n")
    assert container.failure_reason(tmp_path, stderr, 2) == "InputError: train.csv, row 3: bad"


def test_run_keeps_logs_heartbeats_and_stops_at_max_runtime(tmp_path: Path) -> None:
    beats: list[float] = []
    command = [sys.executable, "-c", "import time; print('working', flush=True); time.sleep(5)"]
    result = container.run(
        command,
        root=tmp_path / "opt_ml",
        env=container.job_environment(tmp_path, {}, []),
        cwd=tmp_path,
        log_dir=tmp_path,
        max_runtime=1.0,
        heartbeat=beats.append,
        heartbeat_seconds=0.3,
    )
    assert result.timed_out and result.failure_reason is not None
    assert result.failure_reason.startswith("MaxRuntimeExceeded")
    assert 1.0 <= result.seconds < 4.0
    assert beats and beats == sorted(beats) and beats[0] >= 0.3
    assert (tmp_path / "stdout.log").read_text() == "working\n"
