"""One endpoint's live state: its route table, the fleets behind it, what DescribeEndpoint reports,
and InvokeEndpoint on it (request checks, then one atomic routing decision).

`config_name` is always the LIVE endpoint config: it changes only when a deployment completes, so a
state machine that compares it with the config it asked for can tell a rollback from a success
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).

InvokeEndpoint's limits and error codes are the SageMaker runtime's
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html): its
errors are `ValidationError` (not the control plane's `ValidationException`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local_runtime.endpoints.fleet import Fleet, Invocation, Router
from local_runtime.errors import SageMakerError

STABLE = ("InService", "Failed")
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # InvokeEndpoint's request limit


def now() -> datetime:
    return datetime.now(UTC)


class Endpoint:
    def __init__(self, name: str, arn: str, config_name: str, *, created: datetime | None = None) -> None:
        self.name, self.arn, self.config_name = name, arn, config_name
        self.created = self.modified = created or now()
        self.status = "Creating"
        self.failure_reason: str | None = None
        self.last_deployment: dict[str, Any] | None = None
        self.pending_config: str | None = None
        self.router = Router()
        self.fleets: list[Fleet] = []  # the live (blue) fleets
        self.green: list[Fleet] = []  # the new fleets while an update runs
        self.deleted = False
        self.settled = threading.Condition()
        self.persist: Callable[[Endpoint], None] = lambda endpoint: None

    def set_status(self, status: str, reason: str | None = None) -> None:
        """Change status; a stable one is persisted before waiters wake, so they read it on disk too."""
        with self.settled:
            self.status, self.modified = status, now()
            if reason is not None or status in ("Creating", "Updating"):
                self.failure_reason = reason
            if status in STABLE:
                self.persist(self)
                self.settled.notify_all()

    def wait(self, timeout: float) -> str:
        """Block until the endpoint is InService or Failed (or the timeout ends); returns the status."""
        with self.settled:
            self.settled.wait_for(lambda: self.status in STABLE or self.deleted, timeout)
            return self.status

    def invoke(self, body: bytes, content_type: str, accept: str) -> Invocation:
        if not body:
            raise SageMakerError("ValidationError", "The request body is empty: send at least one record.")
        if len(body) > MAX_PAYLOAD_BYTES:
            raise SageMakerError("ValidationError", f"The request body exceeds {MAX_PAYLOAD_BYTES} bytes.")
        fleet = self.router.acquire()
        if fleet is None:
            if self.status == "InService" and self.failure_reason:  # restored, but unloadable here
                raise SageMakerError(
                    "ValidationError", f"Endpoint {self.name} is InService, but {self.failure_reason}."
                )
            reason = f": {self.failure_reason}" if self.failure_reason else ""
            raise SageMakerError(
                "ValidationError", f"Endpoint {self.name} is not in service (status {self.status}{reason})."
            )
        return fleet.invoke(body, content_type, accept)

    def record(self) -> dict[str, Any]:
        """What is persisted: an update in flight is not (a restart resumes on the live config); a
        creation or deletion in flight is, so a run that dies meanwhile leaves a record saying so."""
        status = self.status if self.status in (*STABLE, "Creating", "Deleting") else "InService"
        return {
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.config_name,
            "EndpointStatus": status,
            "FailureReason": self.failure_reason,
            "LastDeploymentConfig": self.last_deployment,
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
        }

    def describe(self, images: dict[str, str]) -> dict[str, Any]:
        """The DescribeEndpoint response; `images` maps a model name to its image URI."""
        variants = []
        for fleet in self.fleets:
            share = self.router.share(fleet)
            variants.append(
                {
                    "VariantName": fleet.variant,
                    "DeployedImages": [
                        {
                            "SpecifiedImage": images.get(fleet.model_name, ""),
                            "ResolvedImage": images.get(fleet.model_name, ""),
                        }
                    ],
                    "CurrentWeight": share,
                    "DesiredWeight": 0.0 if self.green else share,
                    "CurrentInstanceCount": fleet.instances,
                    "DesiredInstanceCount": fleet.instances,
                }
            )
        response: dict[str, Any] = {
            **{k: v for k, v in self.record().items() if v is not None},
            "EndpointStatus": self.status,
            "ProductionVariants": variants,
        }
        if self.pending_config is not None:
            response["PendingDeploymentSummary"] = {
                "EndpointConfigName": self.pending_config,
                "ProductionVariants": [
                    {
                        "VariantName": f.variant,
                        "CurrentWeight": self.router.share(f),
                        "DesiredWeight": 1.0,
                        "CurrentInstanceCount": f.instances,
                        "DesiredInstanceCount": f.instances,
                    }
                    for f in self.green
                ],
            }
        return response
