"""Runs one job's code in a subprocess under the SageMaker container contract (see ml_code/README.md).

Each job gets a folder shaped like `/opt/ml`; `ML_CODE_OPT_ML` points ml_code at it, and every
`/opt/ml` path in the request (entrypoint, arguments, environment, local paths) is rewritten to it,
so the same request runs unchanged on AWS and here. A crash of the job's code only fails the job.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from local_runtime import reaper
from ml_code.common.sm_env import ROOT_ENV, JobFolder

OPT_ML = "/opt/ml"
STOPPED = "Stopped: the execution was stopped"  # a job's FailureReason after StopExecution

MISMATCH = "ImageMismatch:"  # what contracts/image_python.py prints for code the image cannot run
# The folder holding `ml_code/` and `local_runtime/`: on PYTHONPATH for built-in algorithm stand-ins.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# `/opt/ml` as a path of its own: at the start or after a separator (not inside `s3://b/opt/ml`).
_OPT_ML_PREFIX = re.compile(r"(?<![\w/.-])/opt/ml(?=/|$|[\s:;,='\"])")


def rewrite_opt_ml(value: str, root: Path) -> str:
    """Replace every `/opt/ml` path prefix in `value` (not `/opt/mlflow`) with the job's root."""
    return _OPT_ML_PREFIX.sub(lambda _: str(root), value)


def rewrite_all(values: Mapping[str, str] | None, root: Path) -> dict[str, str]:
    return {str(k): rewrite_opt_ml(str(v), root) for k, v in (values or {}).items()}


def job_environment(
    root: Path, extra: Mapping[str, str], python_path: list[Path], bin_dirs: Sequence[Path] = ()
) -> dict[str, str]:
    """The subprocess environment: `bin_dirs` (the image's `python3` shim), then the venv's `bin`, so
    `python3` is the image's interpreter as far as local mode can stand in for it."""
    env = dict(os.environ)
    env.update(extra)
    env[ROOT_ENV] = str(root)
    env["PATH"] = os.pathsep.join(
        [*map(str, bin_dirs), str(Path(sys.executable).parent), env.get("PATH", "")]
    )
    paths = [str(p) for p in python_path] + [p for p in extra.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    timed_out: bool
    seconds: float
    logs: str  # stdout then stderr: SageMaker parses metrics from both (they share the log stream)
    failure_reason: str | None  # None when exit_code == 0


def failure_reason(root: Path, stderr: str, exit_code: int) -> str:
    """SageMaker reports `/opt/ml/output/failure` (first 1 KiB); otherwise the last line of stderr."""
    failure = JobFolder(root).failure
    if failure.is_file() and failure.read_text().strip():
        return failure.read_text().strip()[:1024]
    lines = [line for line in stderr.splitlines() if line.strip()]
    mismatches = [line.removeprefix(MISMATCH).strip() for line in lines if line.startswith(MISMATCH)]
    if mismatches:  # the image's python refused our code before it ran: say what, first
        return f"ClientError: {MISMATCH} {'; '.join(mismatches)}"[:1024]
    reason = lines[-1].strip() if lines else "no output on stderr"
    return f"AlgorithmError: {reason} (exit code {exit_code})"[:1024]


def run(
    command: list[str],
    *,
    root: Path,
    env: dict[str, str],
    cwd: Path,
    log_dir: Path,
    max_runtime: float | None,
    heartbeat: Callable[[float], None],
    heartbeat_seconds: float,
    stop: threading.Event | None = None,
) -> RunResult:
    """Run `command`, keeping `stdout.log`/`stderr.log` in `log_dir`; heartbeat while it runs.

    The job gets a process group of its own, recorded in `log_dir` (see `local_runtime.reaper`), so
    that stopping it (`stop`, the runtime limit, or the end of its run) ends whatever it started."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / "stdout.log", log_dir / "stderr.log"
    start = time.monotonic()
    timed_out = stopped = False
    last_beat = start
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a Ctrl-C reaches the run, which stops it
        )
        recorded = reaper.record_job(log_dir, proc.pid)
        try:
            while True:
                try:
                    proc.wait(timeout=min(heartbeat_seconds, 0.2 if stop is not None else 1.0))
                    break
                except subprocess.TimeoutExpired:
                    clock = time.monotonic()
                    timed_out = max_runtime is not None and clock - start > max_runtime
                    stopped = stop is not None and stop.is_set()
                    if timed_out or stopped:
                        reaper.stop_group(proc.pid)
                        proc.wait()
                        break
                    if clock - last_beat >= heartbeat_seconds:
                        last_beat = clock
                        heartbeat(clock - start)
        finally:
            if recorded is not None:
                recorded.unlink(missing_ok=True)
    stderr = err_path.read_text(errors="replace")
    code = proc.returncode
    reason = None
    if stopped:
        reason = STOPPED
    elif timed_out:
        reason = f"MaxRuntimeExceeded: job ran longer than {max_runtime:.0f} seconds"
    elif code != 0:
        reason = failure_reason(root, stderr, code)
    logs = out_path.read_text(errors="replace") + stderr
    return RunResult(code, timed_out or stopped, time.monotonic() - start, logs, reason)
