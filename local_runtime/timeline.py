"""The state timeline of an execution, from its Step Functions event history (boto-shaped events)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local_runtime import outcomes


@dataclass(frozen=True)
class StateSpan:
    name: str
    entered: datetime
    exited: datetime | None
    failed: bool
    kind: str = ""  # the state's type as the event names it: Task, Wait, Choice, Pass, Fail, ...
    error: str | None = None  # a failed state's error and cause, as its *Failed event reports them
    cause: str | None = None
    expected: str | None = None  # a failure the state machine expects and handles, in the user's terms

    @property
    def seconds(self) -> float | None:
        return None if self.exited is None else (self.exited - self.entered).total_seconds()


def _when(event: dict[str, Any]) -> datetime:
    ts = event["timestamp"]
    return ts if isinstance(ts, datetime) else datetime.fromisoformat(str(ts))


def _error(event: dict[str, Any]) -> tuple[str | None, str | None]:
    details = next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})
    return details.get("error"), details.get("cause")


def spans(events: list[dict[str, Any]]) -> list[StateSpan]:
    """One span per state visit, in the order states were entered; a state still open has no exit.

    A failure the state machine expects (`outcomes.expected`, e.g. no endpoint yet) is not marked
    failed: its span says what it meant instead."""
    visits: list[dict[str, Any]] = []
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            kind = kind.removesuffix("StateEntered")
            visits.append(
                {"name": name, "entered": _when(event), "exited": None, "failed": False, "kind": kind}
            )
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            visit = next((v for v in reversed(visits) if v["name"] == name and v["exited"] is None), None)
            if visit is not None:
                visit["exited"] = _when(event)
        elif kind.endswith("Failed") or kind.endswith("TimedOut"):
            visit = next((v for v in reversed(visits) if v["exited"] is None), None)
            if visit is not None:
                error, cause = _error(event)
                meaning = outcomes.expected(visit["name"], error, cause)
                visit.update(error=error, cause=cause, failed=meaning is None, expected=meaning)
    return [StateSpan(**v) for v in visits]


@dataclass(frozen=True)
class GateFigures:
    """What the quality gate compared (its `$.gate.metric`), and the live model's figure if any."""

    metric: dict[str, Any]
    live: float | None
    model: str | None = None  # the training step whose model is deployed, once chosen


def gate_figures(events: list[dict[str, Any]]) -> GateFigures | None:
    """From the output of the last state that left the gate's figures in the execution's state."""
    for event in reversed(events):
        details = event.get("stateExitedEventDetails")
        if not details:
            continue
        try:
            state = json.loads(details.get("output") or "{}")
        except json.JSONDecodeError:
            continue
        metric = (state.get("gate") or {}).get("metric") if isinstance(state, dict) else None
        if isinstance(metric, dict) and "value" in metric:
            record = ((state.get("deployed") or {}).get("document") or {}).get("metric") or {}
            live = record.get("value") if record.get("name") == metric.get("name") else None
            model = (state.get("model") or {}).get("step")
            return GateFigures(metric, live if isinstance(live, int | float) else None, model)
    return None
