"""The local SageMaker endpoint API: boto-shaped requests and responses, in-process model hosting.

Endpoints come up asynchronously (Creating -> InService) and update as blue/green deployments with
guardrails (see `deployment`); every resource is persisted under `<workdir>/endpoints/` so that
`EndpointService.load` (and `serve`) can host them again in another process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_runtime.contracts.api_shapes import require_valid
from local_runtime.endpoints import capture, lifecycle, runtime
from local_runtime.endpoints.alarms import AlarmSpec
from local_runtime.endpoints.catalog import Catalog, default_region
from local_runtime.endpoints.endpoint import Endpoint
from local_runtime.endpoints.fleet import Invocation
from local_runtime.endpoints.policy import plan_update
from local_runtime.endpoints.runtime import EndpointNotFound
from local_runtime.endpoints.store import Store
from local_runtime.endpoints.traffic import TrafficSource
from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3

DELETE_SECONDS = 30.0  # how long a deletion takes before the name is free (times the time scale)


class EndpointService(Catalog):
    def __init__(
        self,
        workdir: Path,
        s3: LocalS3,
        *,
        alarms: Mapping[str, AlarmSpec] | None = None,
        time_scale: float = 1.0,
        traffic: TrafficSource | None = None,
        region: str | None = None,
    ) -> None:
        store = Store(workdir)
        super().__init__(store, region or store.settings().get("region") or default_region())
        self.s3, self.alarms, self.time_scale, self.traffic = s3, dict(alarms or {}), time_scale, traffic
        store.put_settings({"s3_root": str(s3.root.resolve()), "region": self.region})
        self._endpoints: dict[str, Endpoint] = {}
        self._provisioning = threading.Lock()
        self._records = threading.Lock()
        for record in self.store.all("endpoints").values():
            self.adopt(lifecycle.restore(record))

    @classmethod
    def load(cls, workdir: Path, s3: LocalS3 | None = None, **kwargs: Any) -> EndpointService:
        """Restore every endpoint recorded in `workdir`, loading the models of those InService."""
        if s3 is None:
            root = Store(workdir).settings().get("s3_root")
            if root is None:
                raise FileNotFoundError(f"no endpoints were ever created in {workdir}")
            s3 = LocalS3(Path(root))
        service = cls(workdir, s3, **kwargs)
        for ep in list(service._endpoints.values()):
            service._ensure_live(ep)
        return service

    def adopt(self, ep: Endpoint) -> Endpoint:
        """Track `ep` (unless an endpoint of that name already is) and persist its stable states."""
        with self._records:
            ep = self._endpoints.setdefault(ep.name, ep)
        ep.persist = self._persist
        return ep

    def _persist(self, ep: Endpoint) -> None:
        with self._records:  # check and write as one step: a deleted endpoint stays deleted
            if self._endpoints.get(ep.name) is ep:
                self.store.put("endpoints", ep.name, ep.record())

    def _ensure_live(self, ep: Endpoint) -> None:
        with self._provisioning:
            if ep.status == "InService" and not ep.fleets:
                lifecycle.start(self, ep, synchronous=True)

    def endpoint(self, name: str) -> Endpoint:
        ep = self._endpoints.get(name)
        if ep is None:
            raise SageMakerError(
                "ValidationException", f'Could not find endpoint "{self.arn("endpoint", name)}".'
            )
        return ep

    def create_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createEndpoint", req)
        name, config = req["EndpointName"], req["EndpointConfigName"]
        self.config(config)
        ep = Endpoint(name, self.arn("endpoint", name), config)
        if self.adopt(ep) is not ep:
            raise SageMakerError(
                "ValidationException",
                f'Cannot create already existing endpoint "{self.arn("endpoint", name)}".',
            )
        self._persist(ep)
        lifecycle.start(self, ep, synchronous=False)
        return {"EndpointArn": ep.arn}

    def update_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "updateEndpoint", req)
        ep, config = self.endpoint(req.get("EndpointName", "")), req.get("EndpointConfigName", "")
        self.config(config)
        plan = plan_update(req.get("DeploymentConfig"), self.instances(config), known_alarms=set(self.alarms))
        self._ensure_live(ep)
        with ep.settled:
            if ep.status == "Failed":  # SageMaker allows only DeleteEndpoint on a Failed endpoint
                raise SageMakerError(
                    "ValidationException",
                    f'Cannot update endpoint "{ep.arn}" because it is in Failed status; '
                    "a Failed endpoint can only be deleted (DeleteEndpoint).",
                )
            if ep.status != "InService":
                raise SageMakerError(
                    "ValidationException",
                    f'Cannot update in-progress endpoint "{ep.arn}" (status {ep.status}).',
                )
            ep.pending_config, ep.last_deployment = config, req.get("DeploymentConfig")
            ep.set_status("Updating")
        lifecycle.update(self, ep, config, plan)
        return {"EndpointArn": ep.arn}

    def describe_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        ep = self.endpoint(req.get("EndpointName", ""))
        response = ep.describe(self.images())
        described_capture = capture.describe(self.configs.get(ep.config_name, {}))
        return response if described_capture is None else {**response, "DataCaptureConfig": described_capture}

    def delete_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        """As SageMaker deletes: refused while the endpoint is in progress (creating, updating,
        deleting), otherwise `Deleting` at once (traffic off) and gone a while later (scaled), so a
        caller must wait for the name to be free before creating it again."""
        require_valid("sagemaker", "deleteEndpoint", req)
        ep = self.endpoint(req["EndpointName"])
        with ep.settled:
            if ep.status not in ("InService", "Failed", "OutOfService"):
                raise SageMakerError("ValidationException", f'Cannot update in-progress endpoint "{ep.arn}".')
            ep.status = "Deleting"
        lifecycle.retire(ep)

        def gone() -> None:
            with self._records:
                if self._endpoints.get(ep.name) is ep:
                    del self._endpoints[ep.name]
                    self.store.delete("endpoints", ep.name)

        timer = threading.Timer(DELETE_SECONDS * self.time_scale, gone)
        timer.daemon = True
        timer.start()
        return {}

    def wait_deleted(self, name: str, timeout: float = 30.0) -> None:
        """Block until a deleted endpoint's name is free (for tests and tools)."""
        deadline = time.monotonic() + timeout
        while name in self._endpoints:
            if time.monotonic() > deadline:
                raise TimeoutError(f"endpoint {name} still exists after {timeout} s")
            time.sleep(0.01)

    def wait(self, name: str, timeout: float = 60.0) -> str:
        """Block until the endpoint is InService or Failed; returns its status."""
        return self.endpoint(name).wait(timeout)

    def invoke(
        self, endpoint_name: str, body: bytes, content_type: str, accept: str
    ) -> tuple[int, bytes, str]:
        result = self.invoke_routed(endpoint_name, body, content_type, accept)
        return result.status, result.body, result.content_type

    def invoke_routed(
        self,
        endpoint_name: str,
        body: bytes,
        content_type: str,
        accept: str,
        target_variant: str | None = None,
    ) -> Invocation:
        """InvokeEndpoint; the result also names the production variant that answered."""
        ep = self._endpoints.get(endpoint_name)
        if ep is None:
            raise EndpointNotFound(endpoint_name)
        if not ep.fleets and ep.status == "InService":
            self._ensure_live(ep)  # restored from disk: load its models once
        return runtime.invoke(ep, body, content_type, accept, target_variant)

    def endpoint_names(self) -> list[str]:
        return sorted(self._endpoints)

    def close(self) -> None:
        """Stop serving: retire every fleet once its in-flight requests are answered."""
        with self._records:
            endpoints, self._endpoints = list(self._endpoints.values()), {}
        for ep in endpoints:
            lifecycle.retire(ep)
