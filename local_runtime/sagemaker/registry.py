"""The local job registry: runs each job once, in the background, and keeps its Describe* answer.

SageMaker jobs are asynchronous: Create* returns at once and Describe* reports `InProgress` until
the job ends, which is what Step Functions' `.sync` integrations poll. Names are unique per kind;
a job folder left in the workdir by an earlier run also counts, since its outputs would mix.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_runtime.contracts.permissions import AccessDenied
from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import container, shapes
from local_runtime.sagemaker.channels import ChannelError
from local_runtime.sagemaker.jobs import JobContext, JobOutcome
from local_runtime.sagemaker.metrics import final_metric_data
from local_runtime.sagemaker.progress import Progress, ProgressEvent, report

LOG = logging.getLogger(__name__)
EXECUTION_FILE = "execution"
# Describe* field names per kind: status, start time, end time.
FIELDS = {
    "TrainingJob": ("TrainingJobStatus", "TrainingStartTime", "TrainingEndTime"),
    "ProcessingJob": ("ProcessingJobStatus", "ProcessingStartTime", "ProcessingEndTime"),
    "TransformJob": ("TransformJobStatus", "TransformStartTime", "TransformEndTime"),
    "HyperParameterTuningJob": ("HyperParameterTuningJobStatus", None, "HyperParameterTuningEndTime"),
}


class JobStore:
    def __init__(
        self,
        workdir: Path,
        s3: LocalS3,
        region: str,
        progress: Progress | None,
        heartbeat_seconds: float,
        execution: str | None = None,
    ) -> None:
        self.workdir, self.s3, self.region, self.execution = workdir, s3, region, execution
        self.progress, self.heartbeat_seconds = progress, heartbeat_seconds
        self._jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self._done: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # the execution was stopped: running jobs stop, no new one runs

    def submit(
        self,
        kind: str,
        name: str,
        request: dict[str, Any],
        runner: Callable[[JobContext], JobOutcome],
        *,
        background: bool = True,
    ) -> dict[str, Any]:
        folder = self.workdir / "jobs" / name
        key = (kind, name)
        status, _, _ = FIELDS[kind]
        describe = {k: copy.deepcopy(v) for k, v in request.items() if k != "Tags"}
        now = shapes.now()
        describe.update({f"{kind}Arn": shapes.arn(kind, name, self.region), status: "InProgress"})
        describe.update({"CreationTime": now, "LastModifiedTime": now})
        with self._lock:
            if key in self._jobs:
                noun = shapes.ARN_TYPES[kind].replace("-", " ")
                raise SageMakerError(
                    "ResourceInUse",
                    f"{noun.capitalize()} names must be unique within an AWS account and region, and a "
                    f"{noun} with this name already exists ({describe[f'{kind}Arn']})",
                )
            if folder.exists():
                raise SageMakerError("ResourceInUse", f"job folder {folder} exists: job names must be unique")
            folder.mkdir(parents=True)
            if self.execution is not None:  # which execution's job this is, for `retention`
                (folder / EXECUTION_FILE).write_text(self.execution)
            self._jobs[key], self._done[key] = describe, threading.Event()
        ctx = JobContext(
            kind,
            name,
            request,
            folder / "opt_ml",
            self.s3.as_role(request.get("RoleArn")),  # jobs use S3 as their execution role
            self.region,
            self.progress,
            self.heartbeat_seconds,
            self.stopping,
        )
        if background:
            threading.Thread(target=self._run, args=(ctx, runner), name=f"{kind}-{name}", daemon=True).start()
        else:
            self._run(ctx, runner)
        return {f"{kind}Arn": describe[f"{kind}Arn"]}

    def _run(self, ctx: JobContext, runner: Callable[[JobContext], JobOutcome]) -> None:
        key = (ctx.kind, ctx.name)
        status, started, ended = FIELDS[ctx.kind]
        start = shapes.now()
        self._update(key, {started: start} if started else {})
        if not self.stopping.is_set():  # a job queued when the execution stopped never starts
            report(self.progress, ProgressEvent(ctx.kind, ctx.name, "started"))
        try:
            if self.stopping.is_set():
                outcome = JobOutcome.failed(container.STOPPED, stopped=True)
            else:
                outcome = runner(ctx)
        except (ChannelError, ValueError) as exc:  # missing data, unknown image: the job fails
            outcome = JobOutcome.failed(f"ClientError: {exc}")
        except AccessDenied as exc:  # the execution role lacks a grant (S3, KMS)
            outcome = JobOutcome.failed(f"ClientError: AccessDenied: {exc}")
        except Exception as exc:  # a bug here must fail the job, not hang the state machine
            LOG.exception("local %s %s crashed", ctx.kind, ctx.name)
            outcome = JobOutcome.failed(f"InternalServerError: {type(exc).__name__}: {exc}")
        end = shapes.now()
        changes: dict[str, Any] = {
            status: outcome.status,
            ended: end,
            "LastModifiedTime": end,
            **outcome.fields,
        }
        if outcome.failure_reason:
            changes["FailureReason"] = outcome.failure_reason
        if ctx.kind == "TrainingJob":
            changes["FinalMetricDataList"] = final_metric_data(outcome.metrics, end)
            stopped_by = "Stopped" if self.stopping.is_set() else "MaxRuntimeExceeded"
            changes["SecondaryStatus"] = stopped_by if outcome.status == "Stopped" else outcome.status
            changes["TrainingTimeInSeconds"] = changes["BillableTimeInSeconds"] = int(
                (end - start).total_seconds()
            )
        self._update(key, changes)
        phase = "completed" if outcome.status == "Completed" else "failed"
        elapsed = (end - start).total_seconds()
        report(self.progress, ProgressEvent(ctx.kind, ctx.name, phase, outcome.failure_reason or "", elapsed))
        self._done[key].set()

    def stop_all(self) -> int:
        """Stop every running job and start no other (StopExecution); returns how many were running."""
        self.stopping.set()
        with self._lock:
            return sum(not done.is_set() for done in self._done.values())

    def _update(self, key: tuple[str, str], changes: dict[str, Any]) -> None:
        with self._lock:
            self._jobs[key].update(changes)

    def describe(self, kind: str, name: str) -> dict[str, Any]:
        with self._lock:
            job = self._jobs.get((kind, name))
            if job is None:
                # SageMaker answers Describe* of an unknown job with a ValidationException.
                raise SageMakerError("ValidationException", "Requested resource not found.")
            return copy.deepcopy(job)

    def wait(self, kind: str, name: str, timeout: float | None = None) -> dict[str, Any]:
        self.describe(kind, name)
        if not self._done[(kind, name)].wait(timeout):
            raise TimeoutError(f"{kind} {name} still running after {timeout} s")
        return self.describe(kind, name)

    def names(self, kind: str) -> list[str]:
        with self._lock:
            return [name for k, name in self._jobs if k == kind]
