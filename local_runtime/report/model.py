"""What one execution's report shows, as plain data: built by `collect`, rendered by `render`."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from local_runtime.report.graph import Drawing
from local_runtime.timeline import GateFigures, StateSpan


@dataclass(frozen=True)
class Plot:
    name: str  # where it was found: `<bucket>/runs/<case>/<execution>/<step>/...[:member.png]`
    png: bytes
    trial: str | None = None  # the tuning trial (training job) that drew it, if any

    @property
    def caption(self) -> str:
        """The path below the execution's run folder, `>` into a job's output archive."""
        parts = self.name.split("/")
        below = "/".join(parts[4:]) if len(parts) > 4 and parts[1] == "runs" else self.name
        return below.replace("output.tar.gz:", "output.tar.gz > ")

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


@dataclass(frozen=True)
class Trial:
    name: str
    hyperparameters: Mapping[str, str]  # the tuned ones only
    objective: float | None
    status: str
    best: bool = False
    failure: str | None = None


@dataclass(frozen=True)
class Tuning:
    name: str
    metric: str
    goal: str  # Maximize or Minimize
    trials: Sequence[Trial]

    @property
    def parameters(self) -> list[str]:
        return sorted({k for t in self.trials for k in t.hyperparameters})


@dataclass(frozen=True)
class Phase:
    """Consecutive DescribeEndpoint polls that saw the same status and traffic share."""

    status: str
    share: float | None  # the new config's share of the traffic
    start_s: float  # since the deployment was asked for (local seconds)
    end_s: float
    polls: int


@dataclass(frozen=True)
class Deployment:
    action: str  # create, update (blue/green canary) or recreate (a Failed endpoint deleted first)
    endpoint: str
    new_config: str | None
    old_config: str | None
    policy: str | None  # the canary and bake, in words
    phases: Sequence[Phase]
    alarms: Sequence[tuple[str, str]]  # (alarm, state during the deployment)
    outcome: str  # NewConfigLive, RolledBack, NotInService or unfinished
    reason: str | None = None
    record: Mapping[str, Any] | None = None  # the deployment record this run wrote


@dataclass(frozen=True)
class FailedJob:
    kind: str
    name: str
    reason: str
    fields: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class ReportData:
    case: str
    execution: str
    status: str
    duration_s: float
    error: str | None = None
    cause: str | None = None
    failure_reason: str | None = None  # one line for the top of a failed run's report
    metrics: Mapping[str, float] = field(default_factory=dict)
    endpoint: Mapping[str, Any] | None = None
    spans: Sequence[StateSpan] = ()
    plots: Sequence[Plot] = ()
    gate: GateFigures | None = None
    graph: Drawing | None = None
    tuning: Sequence[Tuning] = ()
    deployment: Deployment | None = None
    failed_job: FailedJob | None = None
    time_scale: float = 1.0  # waits and bakes ran this much faster than in AWS

    @property
    def headline(self) -> str | None:
        """A failed run's reason in one line: `failure_reason`, else which state failed and why (the
        failed job's FailureReason, or what the cause says once its JSON payload is unpacked)."""
        if self.status == "SUCCEEDED":
            return None
        if self.failure_reason:
            return one_line(self.failure_reason)
        where = next((s.name for s in self.spans if s.failed and s.kind != "Fail"), None)
        why = self.failed_job.reason if self.failed_job else readable(self.cause)
        what = where or self.error or self.status
        if where and self.error:
            what = f"{where} failed ({self.error})"
        return one_line(f"{what}: {why}" if why else what)

    @property
    def cause_details(self) -> str:
        """The cause in full, its JSON payload indented."""
        prefix, payload = _split(self.cause or "")
        return prefix + (json.dumps(payload, indent=2, default=str) if payload is not None else "")


def _split(cause: str) -> tuple[str, Any]:
    """A cause such as `States.TaskFailed: {...}`: the text before the JSON, and the JSON (or None)."""
    start = cause.find("{")
    if start >= 0:
        try:
            return cause[:start], json.loads(cause[start:])
        except json.JSONDecodeError:
            pass
    return cause, None


def readable(cause: str | None) -> str:
    """What a cause says to a person: a JSON payload's FailureReason (or message), else its first line."""
    prefix, payload = _split(cause or "")
    if isinstance(payload, dict):
        for key in ("FailureReason", "errorMessage", "Cause", "Message", "message"):
            if payload.get(key):
                return str(payload[key])
        return re.sub(r"\s*\w+:\s*$", "", prefix)  # the text before a labelled payload (`Config: {...}`)
    lines = (cause or "").strip().splitlines()
    return lines[0] if lines else ""


def one_line(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
