"""Local SageMaker endpoints: hosting, blue/green deployments with guardrails, and the runtime HTTP API."""

from local_runtime.endpoints.alarms import AlarmSpec
from local_runtime.endpoints.runtime import EndpointNotFound
from local_runtime.endpoints.service import EndpointService
from local_runtime.endpoints.template_alarms import alarms_from_template
from local_runtime.endpoints.traffic import SampleRequest

__all__ = ["AlarmSpec", "EndpointNotFound", "EndpointService", "SampleRequest", "alarms_from_template"]
