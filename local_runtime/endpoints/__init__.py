"""Local SageMaker endpoints: one controller (hosting, blue/green deployments with guardrails, state on
disk) and its HTTP front end (the runtime API)."""

from local_runtime.endpoints.alarms import AlarmSpec
from local_runtime.endpoints.clock import Clock, ScaledClock
from local_runtime.endpoints.controller import EndpointController, EndpointNotFound
from local_runtime.endpoints.template_alarms import alarms_from_template
from local_runtime.endpoints.traffic import SampleRequest

__all__ = [
    "AlarmSpec",
    "Clock",
    "EndpointController",
    "EndpointNotFound",
    "SampleRequest",
    "ScaledClock",
    "alarms_from_template",
]
