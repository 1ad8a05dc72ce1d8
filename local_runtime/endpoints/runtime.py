"""InvokeEndpoint on one endpoint: request checks, then one atomic routing decision.

The limits and error codes are the SageMaker runtime's
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html): its
errors are `ValidationError` (not the control plane's `ValidationException`).
"""

from __future__ import annotations

from local_runtime.endpoints.catalog import ACCOUNT
from local_runtime.endpoints.endpoint import Endpoint
from local_runtime.endpoints.fleet import Invocation
from local_runtime.errors import SageMakerError

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # InvokeEndpoint's request limit


class EndpointNotFound(SageMakerError):
    def __init__(self, name: str) -> None:
        super().__init__("ValidationError", f"Endpoint {name} of account {ACCOUNT} not found.")


def invoke(
    ep: Endpoint, body: bytes, content_type: str, accept: str, target_variant: str | None
) -> Invocation:
    if not body:
        raise SageMakerError("ValidationError", "The request body is empty: send at least one record.")
    if len(body) > MAX_PAYLOAD_BYTES:
        raise SageMakerError("ValidationError", f"The request body exceeds {MAX_PAYLOAD_BYTES} bytes.")
    fleet = ep.router.acquire(target_variant)
    if fleet is None:
        if target_variant is not None and ep.fleets:
            raise SageMakerError("ValidationError", f"Endpoint {ep.name} has no variant {target_variant}.")
        reason = f": {ep.failure_reason}" if ep.failure_reason else ""
        raise SageMakerError(
            "ValidationError", f"Endpoint {ep.name} is not in service (status {ep.status}{reason})."
        )
    return fleet.invoke(body, content_type, accept)
