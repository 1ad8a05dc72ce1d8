"""What a run leaves if it dies without finishing: its job processes and an execution still RUNNING.

Each local job runs in a process group of its own and records itself in `jobs/<job>/process.json`
(its pid, start time and the run that started it); each execution is recorded `RUNNING` in
`executions/<name>.json` (with its run's process) before its first state. A run starts a reaper, a
small process in a session of its own that waits for the run to end (the end of a pipe the run
holds: the kernel closes it even on `kill -9`), then stops the jobs that run left and marks its
execution ABORTED. `reap` without a run does the same for every run that is gone, which is what the
next `run` does first, in case a reaper was killed too. Processes are told apart from a later one
with the same pid by their start time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from ml_code.common.io import write_json

PROCESS_FILE = "process.json"
LOST = "LocalRunLost"


def start_time(pid: int) -> float:
    """When `pid` started, in seconds on a clock the wall clock's steps do not move: on Linux its start
    in clock ticks since boot (`/proc/<pid>/stat`), elsewhere psutil's create time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float(psutil.Process(pid).create_time())
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of the whole line: starttime


def this_process() -> dict[str, float]:
    """How another process will recognise this one later: pid and start time."""
    return {"pid": os.getpid(), "created": start_time(os.getpid())}


def alive(process: Any) -> bool:
    """Whether the process a `this_process()` record describes still runs (not a later one)."""
    try:
        pid, created = int(process["pid"]), float(process["created"])
        same = abs(start_time(pid) - created) < 0.5  # a pid reused within half a second: not plausible
        # a zombie has ended; only its parent (gone too, if it was the run) would collect it
        return same and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError, TypeError, ValueError, OSError):
        return False


def record_job(folder: Path, pid: int) -> Path | None:
    """Record a job process started by this run; None if it has already ended."""
    try:
        created = start_time(pid)
    except (psutil.NoSuchProcess, OSError):
        return None
    path = folder / PROCESS_FILE
    write_json(path, {"pid": pid, "created": created, "run": this_process()})
    return path


def stop_group(pid: int, wait_s: float = 5.0) -> None:
    """Kill a job's process group (the job and whatever it started), and wait until its leader has
    ended: SIGKILL is delivered asynchronously, and "stopped" must mean stopped when it is reported."""
    with suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, signal.SIGKILL)
    with suppress(psutil.Error, OSError):
        process = psutil.Process(pid)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and process.status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.01)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def reap(workdir: Path, run: dict[str, float] | None = None) -> list[str]:
    """Stop the jobs of `run` (of every run that is gone, if None) and mark its RUNNING executions
    ABORTED; one line per thing done."""

    def gone(owner: Any) -> bool:
        return (owner == run) if run is not None else not alive(owner)

    done = []
    for path in sorted((workdir / "jobs").glob(f"*/{PROCESS_FILE}")):
        job = _read(path)
        if job is None or not gone(job.get("run")):
            continue
        if alive(job):
            stop_group(int(job["pid"]))
            done.append(f"stopped job {path.parent.name} (pid {job['pid']}): its run had ended")
        path.unlink(missing_ok=True)
    for path in sorted((workdir / "executions").glob("*.json")):
        record = _read(path)
        if record is None or record.get("status") != "RUNNING" or not gone(record.get("process")):
            continue
        pid = (record.get("process") or {}).get("pid")
        record.update(
            status="ABORTED",
            error=LOST,
            cause=f"the run (pid {pid}) ended without recording an outcome (killed?); "
            f"marked at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        )
        write_json(path, record)
        done.append(f"execution {path.stem}: its run (pid {pid}) ended without an outcome: marked ABORTED")
    return done


@contextmanager
def reaper(workdir: Path) -> Iterator[None]:
    """Run the body with a reaper watching this process (see the module's docstring)."""
    me = this_process()
    proc = subprocess.Popen(
        [sys.executable, "-m", "local_runtime.reaper", str(workdir), str(me["pid"]), repr(me["created"])],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C at the terminal must not stop the reaper first
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        yield
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the normal end: nothing left to reap
        proc.wait(timeout=30)


def main(argv: list[str]) -> int:
    workdir, pid, created = Path(argv[0]), int(argv[1]), float(argv[2])
    sys.stdin.buffer.read()  # returns when the run closes the pipe or dies
    reap(workdir, {"pid": pid, "created": created})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
