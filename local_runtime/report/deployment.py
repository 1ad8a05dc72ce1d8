"""The deployment panel, from the execution's own events: which call deployed (CreateEndpoint, or
UpdateEndpoint's blue/green canary), what each DescribeEndpoint poll saw, summarized into phases of
the same status and traffic share, the rollback alarms and the outcome.

During an update, DescribeEndpoint's `PendingDeploymentSummary` gives the new fleet's current
traffic weight (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html);
`LastDeploymentConfig` names the alarms that roll it back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from local_runtime.report.model import Deployment, Phase
from local_runtime.timeline import StateSpan

OUTCOMES = {  # the states that end a deployment, as the workflow names them
    "NewConfigLive": "NewConfigLive",
    "DeploymentRolledBack": "RolledBack",
    "DeploymentRolledBackUnexplained": "RolledBack",
    "EndpointNotInService": "NotInService",
}
CALLS = {"createEndpoint": "create", "updateEndpoint": "update"}
WRITE_RECORD = "WriteDeploymentRecord"  # its PutObject's Body is the deployment record


def _when(event: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event["timestamp"]))


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _share(described: Mapping[str, Any], new_config: str | None) -> float | None:
    pending = described.get("PendingDeploymentSummary")
    if pending:
        return float(sum(v.get("CurrentWeight", 0.0) for v in pending.get("ProductionVariants", [])))
    if described.get("EndpointStatus") == "Creating":
        return None
    return 1.0 if described.get("EndpointConfigName") == new_config else 0.0


def _policy(config: Mapping[str, Any] | None) -> str | None:
    routing = ((config or {}).get("BlueGreenUpdatePolicy") or {}).get("TrafficRoutingConfiguration")
    if not routing:
        return None
    size = routing.get("CanarySize") or routing.get("LinearStepSize") or {}
    unit = {"INSTANCE_COUNT": "instance(s)", "CAPACITY_PERCENT": "% of capacity"}.get(
        str(size.get("Type")), ""
    )
    kind, bake = str(routing.get("Type", "")).lower(), routing.get("WaitIntervalInSeconds")
    return f"{kind} {size.get('Value', '')} {unit}, bake {bake} s"


def summarize(
    events: Sequence[Mapping[str, Any]],
    spans: Sequence[StateSpan],
    cause: str | None,
) -> Deployment | None:
    """None when the run asked for no endpoint."""
    action, endpoint, new_config, old_config, asked = None, "", None, None, None
    polls: list[tuple[float, str, float | None]] = []
    last: dict[str, Any] = {}
    state, record = "", None
    for event in events:
        state = (event.get("stateEnteredEventDetails") or {}).get("name", state)
        scheduled = event.get("taskScheduledEventDetails")
        if scheduled and state == WRITE_RECORD:
            record = _json(_json(scheduled.get("parameters")).get("Body")) or None
        if scheduled and scheduled.get("resource") in CALLS:
            params = _json(scheduled.get("parameters"))
            action, asked = CALLS[scheduled["resource"]], _when(event)
            endpoint, new_config = str(params.get("EndpointName", "")), params.get("EndpointConfigName")
            polls = []
        done = event.get("taskSucceededEventDetails")
        if done and done.get("resource") == "describeEndpoint":
            described = _json(done.get("output"))
            if asked is None:
                old_config = described.get("EndpointConfigName")
                continue
            last = described
            seconds = (_when(event) - asked).total_seconds()
            polls.append((seconds, str(described.get("EndpointStatus")), _share(described, new_config)))
    if action is None or asked is None:
        return None
    visited = {s.name for s in spans}
    if action == "create" and "DeleteFailedEndpoint" in visited:
        action = "recreate"
    outcome = next((o for state, o in OUTCOMES.items() if state in visited), "unfinished")
    reason = last.get("FailureReason") or (cause if outcome != "NewConfigLive" else None)
    alarms = [str(a.get("AlarmName")) for a in _alarm_config(last).get("Alarms", [])]
    states = [(a, "ALARM" if a in str(reason or "") else "OK") for a in alarms] if action == "update" else []
    policy = _policy(last.get("LastDeploymentConfig")) if action == "update" else None
    return Deployment(
        action, endpoint, new_config, old_config, policy, _phases(polls), states, outcome, reason, record
    )


def _alarm_config(described: Mapping[str, Any]) -> dict[str, Any]:
    return dict((described.get("LastDeploymentConfig") or {}).get("AutoRollbackConfiguration") or {})


def _phases(polls: Sequence[tuple[float, str, float | None]]) -> list[Phase]:
    phases: list[Phase] = []
    for seconds, status, share in polls:
        if phases and (phases[-1].status, phases[-1].share) == (status, share):
            p = phases[-1]
            phases[-1] = Phase(p.status, p.share, p.start_s, seconds, p.polls + 1)
        else:
            phases.append(Phase(status, share, seconds, seconds, 1))
    return phases
