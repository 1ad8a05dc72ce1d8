"""The command line on real runs: what a failed run says, the end-of-run summary, destroy.

The app is synthesized once per module; each test copies the synth into its own workdir (the
cached synth is reused while the sources are unchanged, as in `make run`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from local_runtime.assembly import synthesize
from local_runtime.bundled_data import DEFAULT_DATA_DIR
from local_runtime.cli import main

pytestmark = pytest.mark.slow
MOONS = "moon-classification"


@pytest.fixture(scope="module")
def synthed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize(tmp_path_factory.mktemp("synth") / "cdk.out")


@pytest.fixture
def workdir(synthed: Path, tmp_path: Path) -> Path:
    shutil.copytree(synthed, tmp_path / "work" / "cdk.out")
    return tmp_path / "work"


def damaged_moons(tmp_path: Path) -> Path:
    data = tmp_path / "my data"
    shutil.copytree(DEFAULT_DATA_DIR / "moons", data / "moons")
    bad = data / "moons" / "train.csv"
    bad.write_text(bad.read_text().replace("1.0,", "one,", 1))
    return data


def test_a_bad_csv_fails_in_one_line_naming_the_users_file_and_row(
    workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = damaged_moons(tmp_path)
    args = ["run", MOONS, "--data-dir", str(data), "--workdir", str(workdir)]
    assert main([*args, "--json"]) == 1
    run = json.loads(capsys.readouterr().out)
    line = run["failure_reason"]
    assert f"{data / 'moons' / 'train.csv'}, row 2, field 'label': 'one' is not a number" in line, line
    assert line.startswith(f"{MOONS} failed at Preprocess: processing job moons-preprocess-"), line
    assert str(workdir / "jobs") not in line.split(" (more: ")[0]  # no staged copy is named
    job_log = line.split("job log ")[1].rstrip(")")
    assert Path(job_log).is_file() and Path(run["report"]).is_file() and run["report"] in line

    assert main(args) == 1
    out = capsys.readouterr().out
    (said,) = [x.strip() for x in out.splitlines() if " failed at " in x]  # another run: other job names
    assert said.startswith(f"{MOONS} failed at Preprocess: ") and f"{data}/moons/train.csv, row 2" in said
    assert "States.TaskFailed: {" not in out and "ProcessingJobArn" not in out  # not the raw cause
