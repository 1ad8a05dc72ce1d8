"""What one execution's report shows, as plain data: built by `collect`, rendered by `render`."""

from __future__ import annotations

import base64
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
        """A failed run's reason in one line: `failure_reason`, else the error and its cause's first line."""
        if self.status == "SUCCEEDED":
            return None
        if self.failure_reason:
            return self.failure_reason
        first = (self.cause or "").strip().splitlines()[:1]
        return ": ".join([self.error or self.status, *first])
