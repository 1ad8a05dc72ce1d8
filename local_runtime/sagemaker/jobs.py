"""What a job runner gets (JobContext) and returns (JobOutcome); the registry runs the runners."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import container
from local_runtime.sagemaker.progress import Progress, ProgressEvent, report


@dataclass
class JobOutcome:
    status: str
    failure_reason: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def completed(cls, metrics: dict[str, float] | None = None, **fields: Any) -> JobOutcome:
        return cls("Completed", None, metrics or {}, fields)

    @classmethod
    def failed(
        cls, reason: str, *, stopped: bool = False, metrics: dict[str, float] | None = None
    ) -> JobOutcome:
        return cls("Stopped" if stopped else "Failed", reason, metrics or {})


@dataclass
class JobContext:
    kind: str
    name: str
    request: dict[str, Any]
    root: Path  # the job's stand-in for /opt/ml
    s3: LocalS3
    region: str
    progress: Progress | None
    heartbeat_seconds: float
    stop: threading.Event = field(default_factory=threading.Event)  # set: the execution was stopped

    def run(self, command: list[str], *, env: dict[str, str], cwd: Path) -> container.RunResult:
        limit = self.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")

        def beat(elapsed: float) -> None:
            report(self.progress, ProgressEvent(self.kind, self.name, "heartbeat", "running", elapsed))

        return container.run(
            command,
            root=self.root,
            env=env,
            cwd=cwd,
            log_dir=self.root.parent,
            max_runtime=float(limit) if limit else None,
            heartbeat=beat,
            heartbeat_seconds=self.heartbeat_seconds,
            stop=self.stop,
        )
