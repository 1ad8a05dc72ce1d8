"""A run stopped from outside: Ctrl-C stops the execution as StopExecution does (jobs stopped, the
execution recorded ABORTED with its history and report); after a `kill -9` the reaper stops the jobs
the run left and marks its execution, and the next run does the same for any run that is gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from local_runtime import cli, reaper
from local_runtime.endpoints.claims import Claims
from local_runtime.execution import INTERRUPTED_CAUSE, INTERRUPTED_ERROR
from local_runtime.pipeline import CaseRun
from local_runtime.sagemaker import container
from stacks.cases import ALL
from tests.local_runtime.e2e_app import fast_cases, synth

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TUNED = next(case for case in ALL if any(getattr(s, "tuning", None) for s in case.steps))
# a case whose quick reruns train the same model, so a second run passes the gate and updates
STEADY = next(case for case in ALL if case.local.quick.untuned)
DRIVER = (
    "import json, sys; from pathlib import Path; from local_runtime.pipeline import run_case; "
    "run = run_case(sys.argv[1], workdir=Path(sys.argv[2]), assembly_dir=Path(sys.argv[3])); "
    "print(json.dumps(run.to_json()), flush=True)"
)


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(tmp_path_factory.mktemp("interrupt") / "cdk.out", fast_cases())


def _start_run(workdir: Path, assembly: Path, case_id: str = TUNED.id) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, case_id, str(workdir), str(assembly)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )


def _wait_for(predicate, what: str, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"never saw {what}")
        time.sleep(0.05)


def _running_jobs(workdir: Path) -> list[dict]:
    """The job processes recorded in the workdir, as (pid, start time) records."""
    records = []
    for path in (workdir / "jobs").glob(f"*/{reaper.PROCESS_FILE}"):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue  # being written or removed
    return records


def _tuning_trial_running(workdir: Path) -> bool:
    return any(
        f"-{step.name}-" in p.parent.name
        for p in (workdir / "jobs").glob(f"*/{reaper.PROCESS_FILE}")
        for step in TUNED.steps
        if getattr(step, "tuning", None)
    )


def _execution(workdir: Path) -> dict:
    [path] = (workdir / "executions").glob("*.json")
    return dict(json.loads(path.read_text()))


def test_ctrl_c_stops_the_execution_and_its_jobs(assembly: Path, tmp_path: Path) -> None:
    proc = _start_run(tmp_path, assembly)
    try:
        _wait_for(lambda: _tuning_trial_running(tmp_path), "a tuning trial running")
        jobs = _running_jobs(tmp_path)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    run = json.loads(out)
    assert (run["status"], run["error"], run["cause"]) == ("ABORTED", INTERRUPTED_ERROR, INTERRUPTED_CAUSE)
    assert "Traceback" not in err
    assert jobs and not any(reaper.alive(job) for job in jobs)  # the trials were stopped
    assert _running_jobs(tmp_path) == []
    record = _execution(tmp_path)
    assert record["status"] == "ABORTED" and record["events"][-1]["type"] == "ExecutionAborted"
    assert Path(run["report"]).is_file()


def test_kill_9_leaves_no_job_running_and_the_execution_marked(assembly: Path, tmp_path: Path) -> None:
    proc = _start_run(tmp_path, assembly)
    try:
        _wait_for(lambda: _tuning_trial_running(tmp_path), "a tuning trial running")
        jobs = _running_jobs(tmp_path)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        _wait_for(lambda: _execution(tmp_path)["status"] == "ABORTED", "the execution marked", timeout=30)
    finally:
        proc.kill()
    assert jobs and not any(reaper.alive(job) for job in jobs)
    record = _execution(tmp_path)
    assert record["error"] == reaper.LOST and f"pid {proc.pid}" in record["cause"]


def test_the_next_run_reaps_what_a_dead_run_left(tmp_path: Path) -> None:
    """No reaper (killed too): `reap` finds the dead run's job and its RUNNING execution."""
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    dead_run = {"pid": orphan.pid, "created": 1.0}  # a pid whose start time is not the run's: gone
    try:
        job = tmp_path / "jobs" / "job-1"
        job.mkdir(parents=True)
        created = reaper.start_time(orphan.pid)
        (job / reaper.PROCESS_FILE).write_text(
            json.dumps({"pid": orphan.pid, "created": created, "run": dead_run})
        )
        (tmp_path / "executions").mkdir()
        running = {"status": "RUNNING", "events": [], "error": None, "cause": None, "process": dead_run}
        (tmp_path / "executions" / "x.json").write_text(json.dumps(running))
        alive_run = {**running, "process": reaper.this_process()}  # this process: still running
        (tmp_path / "executions" / "y.json").write_text(json.dumps(alive_run))
        done = reaper.reap(tmp_path)
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert done == [
            f"stopped job job-1 (pid {orphan.pid}): its run had ended",
            f"execution x: its run (pid {orphan.pid}) ended without an outcome: marked ABORTED",
        ]
        assert json.loads((tmp_path / "executions" / "x.json").read_text())["status"] == "ABORTED"
        assert json.loads((tmp_path / "executions" / "y.json").read_text())["status"] == "RUNNING"
    finally:
        orphan.kill()


def test_a_stopped_job_takes_its_children_with_it(tmp_path: Path) -> None:
    import threading

    spawner = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(child.pid, flush=True); time.sleep(60)"
    )
    stop = threading.Event()
    result: list[container.RunResult] = []
    worker = threading.Thread(
        target=lambda: result.append(
            container.run(
                [sys.executable, "-c", spawner],
                root=tmp_path,
                env=dict(os.environ),
                cwd=tmp_path,
                log_dir=tmp_path / "logs",
                max_runtime=None,
                heartbeat=lambda elapsed: None,
                heartbeat_seconds=30,
                stop=stop,
            )
        )
    )
    worker.start()
    log = tmp_path / "logs" / "stdout.log"
    _wait_for(lambda: log.exists() and log.read_text().strip() != "", "the job's child", timeout=30)
    child = int(log.read_text())
    stop.set()
    worker.join(timeout=30)
    assert result[0].timed_out and result[0].failure_reason == container.STOPPED
    _wait_for(
        lambda: not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie", "the child gone"
    )
    assert not (tmp_path / "logs" / reaper.PROCESS_FILE).exists()


def test_the_command_line_exits_130_after_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []

    def interrupted(case: str, **kwargs: object) -> CaseRun:
        ran.append(case)
        return CaseRun(case, "ABORTED", "x", 1.0, INTERRUPTED_ERROR, INTERRUPTED_CAUSE)

    monkeypatch.setattr(cli, "run_case", interrupted)
    monkeypatch.setattr(cli.console, "summary", lambda run: None)
    assert cli.main(["run", "all", "--json"]) == cli.INTERRUPTED_EXIT
    assert ran == [ALL[0].id]  # the other cases do not start
    assert json.loads(capsys.readouterr().out)["status"] == "ABORTED"


def test_kill_9_during_the_bake_leaves_the_old_config_live_and_the_endpoint_free(
    assembly: Path, tmp_path: Path
) -> None:
    first = _start_run(tmp_path, assembly, STEADY.id)
    out, err = first.communicate(timeout=300)
    deployed = json.loads(out)
    assert deployed["status"] == "SUCCEEDED", err
    name, live = deployed["endpoint"]["name"], deployed["endpoint"]["live_config"]
    claims = Claims(tmp_path / "endpoints")
    proc = _start_run(tmp_path, assembly, STEADY.id)  # the second run updates through the canary
    try:
        _wait_for(lambda: claims.elsewhere(name) == "Updating", "the canary baking", timeout=300)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        _wait_for(lambda: claims.elsewhere(name) is None, "the claim released")
    finally:
        proc.kill()
    record = json.loads((tmp_path / "endpoints" / "endpoints" / f"{name}.json").read_text())
    assert (record["EndpointStatus"], record["EndpointConfigName"]) == ("InService", live)
    third = _start_run(tmp_path, assembly, STEADY.id)  # and the next run may update it again
    out, err = third.communicate(timeout=300)
    assert json.loads(out)["status"] == "SUCCEEDED", err
    statuses = sorted(json.loads(p.read_text())["status"] for p in (tmp_path / "executions").glob("*.json"))
    assert statuses == ["ABORTED", "SUCCEEDED", "SUCCEEDED"]  # the killed one marked by its reaper
