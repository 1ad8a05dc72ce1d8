"""Turns an UpdateEndpoint `DeploymentConfig` into the traffic steps of a blue/green deployment.

Each step puts a share of traffic on the new (green) fleet and bakes for a while with the alarms
watching; the last step is the full shift followed by the final baking period
(`TerminationWaitInSeconds`), after which the old fleet is terminated
(https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html). Without a
`BlueGreenUpdatePolicy`, SageMaker shifts all at once
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local_runtime.errors import SageMakerError

MAX_WAIT_SECONDS = 3600  # WaitIntervalInSeconds and TerminationWaitInSeconds: 0..3600
EXECUTION_TIMEOUT_RANGE = (600, 28800)  # MaximumExecutionTimeoutInSeconds


@dataclass(frozen=True)
class Step:
    green_share: float
    bake_seconds: float


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    timeout_seconds: float
    alarm_names: tuple[str, ...]


def _invalid(message: str) -> SageMakerError:
    return SageMakerError("ValidationException", message)


def _ranged(policy: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = policy.get(key, default)
    if not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"{key} must be an integer between {low} and {high}, got {value!r}")
    return value


def _share(size: Any, field: str, instances: int) -> float:
    """A CanarySize as a share of the new fleet's capacity."""
    if not isinstance(size, dict) or not isinstance(size.get("Value"), int) or size["Value"] < 1:
        raise _invalid(f"{field} needs Type and a positive integer Value, got {size!r}")
    if size.get("Type") == "INSTANCE_COUNT":
        return size["Value"] / instances
    if size.get("Type") == "CAPACITY_PERCENT":
        return size["Value"] / 100
    raise _invalid(f"{field}.Type must be INSTANCE_COUNT or CAPACITY_PERCENT, got {size.get('Type')!r}")


def plan_update(deployment: dict[str, Any] | None, new_instances: int, known_alarms: set[str]) -> Plan:
    """Validate the request's DeploymentConfig; `new_instances` is the new config's instance count."""
    deployment = deployment or {}
    policy = deployment.get("BlueGreenUpdatePolicy") or {
        "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
    }
    routing = policy.get("TrafficRoutingConfiguration")
    if not isinstance(routing, dict):
        raise _invalid("BlueGreenUpdatePolicy.TrafficRoutingConfiguration is required")
    wait = _ranged(routing, "WaitIntervalInSeconds", 0, 0, MAX_WAIT_SECONDS)
    termination = _ranged(policy, "TerminationWaitInSeconds", 0, 0, MAX_WAIT_SECONDS)
    timeout = _ranged(
        policy, "MaximumExecutionTimeoutInSeconds", EXECUTION_TIMEOUT_RANGE[1], *EXECUTION_TIMEOUT_RANGE
    )
    kind = routing.get("Type")
    if kind == "ALL_AT_ONCE":
        steps = [Step(1.0, wait)]
    elif kind == "CANARY":
        canary = _share(routing.get("CanarySize"), "CanarySize", new_instances)
        if canary > 0.5:  # "the canary size should be less than or equal to 50% of the new fleet's capacity"
            raise _invalid(f"CanarySize {routing['CanarySize']} exceeds 50% of the new fleet's capacity")
        steps = [Step(canary, wait)]
    elif kind == "LINEAR":  # valid on SageMaker; the stacks never ask for it, so local mode does not run it
        raise SageMakerError(
            "LocalUnsupported",
            "local endpoints do not run LINEAR traffic routing (the pipelines deploy with CANARY): "
            "use CANARY or ALL_AT_ONCE locally",
        )
    else:
        raise _invalid(
            f"TrafficRoutingConfiguration.Type must be ALL_AT_ONCE, CANARY or LINEAR, got {kind!r}"
        )
    steps.append(Step(1.0, termination))  # the full shift, then the final baking period
    names = tuple(
        a["AlarmName"] for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms", [])
    )
    unknown = [name for name in names if name not in known_alarms]
    if unknown:  # SageMaker checks the alarms exist (cloudwatch:DescribeAlarms) before it starts
        known = ", ".join(sorted(known_alarms)) or "none"
        raise _invalid(f"Alarm(s) {', '.join(unknown)} do not exist (known alarms: {known}).")
    return Plan(tuple(steps), float(timeout), names)
