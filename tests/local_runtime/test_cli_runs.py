"""The command line on real runs: what a failed run says, invoke, destroy.

The app with the quick settings (tests/local_runtime/e2e_app.py) is synthesized once per module;
each test copies it into its own workdir stamped as the synth of the current sources, so the
command line reuses it as it reuses `make run`'s cached synth.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local_runtime.assembly import STAMP, source_hash
from local_runtime.bundled_data import DEFAULT_DATA_DIR
from local_runtime.cli import main
from tests.local_runtime.e2e_app import fast_cases, synth

pytestmark = pytest.mark.slow
MOONS = "moon-classification"


@pytest.fixture(scope="module")
def synthed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = synth(tmp_path_factory.mktemp("synth") / "cdk.out", fast_cases())
    (outdir / STAMP).write_text(source_hash())
    return outdir


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
    page = html.unescape(Path(run["report"]).read_text())
    assert f"{data / 'moons' / 'train.csv'}, row 2, field 'label'" in page  # the report leads with it too

    assert main(args) == 1
    out = capsys.readouterr().out
    (said,) = [x.strip() for x in out.splitlines() if " failed at " in x]  # another run: other job names
    assert said.startswith(f"{MOONS} failed at Preprocess: ") and f"{data}/moons/train.csv, row 2" in said
    assert "States.TaskFailed: {" not in out and "ProcessingJobArn" not in out  # not the raw cause


def test_invoke_prints_its_sample_loads_one_model_and_destroy_removes_the_case_outputs(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", MOONS, "--workdir", str(workdir), "--json"]) == 0
    capsys.readouterr()
    assert main(["invoke", MOONS, "--workdir", str(workdir)]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("sample request (text/csv): ") and '"predicted_label"' in out

    # a process of its own: nothing of the state machine interpreter or other endpoints' stacks
    probe = (
        "import sys; from local_runtime.cli import main; "
        f"code = main(['invoke', '{MOONS}', '--workdir', sys.argv[1], '--body', '0.5,0.2']); "
        "print(code, sorted(m for m in ('moto', 'gluonts', 'mxnet', 'aws_cdk') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(workdir)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout

    s3 = workdir / "s3"
    raw = next(s3.glob(f"*/{MOONS}/raw"))
    assert list(s3.glob(f"*/runs/{MOONS}")) and list(s3.glob(f"*/deployments/{MOONS}/record.json"))
    assert main(["destroy", MOONS, "--workdir", str(workdir)]) == 0
    assert not list(s3.glob(f"*/runs/{MOONS}")) and not list(s3.glob(f"*/deployments/{MOONS}"))
    assert not list(s3.glob(f"*/datacapture/{MOONS}")) and not list(
        (workdir / "endpoints" / "endpoints").glob("*.json")
    )
    assert any(raw.iterdir()) and list((workdir / "executions").glob(f"{MOONS}-*.json"))
    assert list((workdir / "reports").glob("*.html"))
    capsys.readouterr()
    assert main(["invoke", MOONS, "--workdir", str(workdir)]) == 2
    assert f"Run `python -m local_runtime run {MOONS}` first." in capsys.readouterr().err
