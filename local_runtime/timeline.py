"""The state timeline of an execution, from its Step Functions event history (boto-shaped events)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StateSpan:
    name: str
    entered: datetime
    exited: datetime | None
    failed: bool

    @property
    def seconds(self) -> float | None:
        return None if self.exited is None else (self.exited - self.entered).total_seconds()


def _when(event: dict[str, Any]) -> datetime:
    ts = event["timestamp"]
    return ts if isinstance(ts, datetime) else datetime.fromisoformat(str(ts))


def spans(events: list[dict[str, Any]]) -> list[StateSpan]:
    """One span per state visit, in the order states were entered; a state still open has no exit."""
    visits: list[dict[str, Any]] = []
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            visits.append({"name": name, "entered": _when(event), "exited": None, "failed": False})
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            visit = next((v for v in reversed(visits) if v["name"] == name and v["exited"] is None), None)
            if visit is not None:
                visit["exited"] = _when(event)
        elif kind.endswith("Failed") or kind.endswith("TimedOut"):
            visit = next((v for v in reversed(visits) if v["exited"] is None), None)
            if visit is not None:
                visit["failed"] = True
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
