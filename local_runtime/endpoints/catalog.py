"""Models and endpoint configs: immutable SageMaker resources, validated and persisted as requested.

Error codes and messages follow SageMaker's (`ValidationException` for a missing or duplicate
resource), so state machines' `Catch` clauses match the same names locally as on AWS.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from local_runtime import images
from local_runtime.cfn import LOCAL_ACCOUNT
from local_runtime.contracts.api_shapes import require_valid
from local_runtime.endpoints.endpoint import now
from local_runtime.endpoints.store import DamagedRecord, Store
from local_runtime.errors import SageMakerError

ACCOUNT = LOCAL_ACCOUNT  # local resources belong to no AWS account (the same one local jobs use)


def default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class Catalog:
    def __init__(self, store: Store, region: str) -> None:
        self.store, self.region = store, region
        self._lock = threading.Lock()
        self.models = store.all("models")
        self.configs = store.all("configs")

    def arn(self, kind: str, name: str) -> str:
        # the name keeps its case: state machines split it back out of the ARN (real ARNs lower-case it)
        return f"arn:aws:sagemaker:{self.region}:{ACCOUNT}:{kind}/{name}"

    def create_model(self, req: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createModel", req)
        container = req.get("PrimaryContainer") or (req.get("Containers") or [None])[0]
        if not container or not container.get("Image"):
            raise SageMakerError("ValidationException", "PrimaryContainer.Image is required")
        try:
            images.resolve(container["Image"])
        except ValueError as exc:
            raise SageMakerError("ValidationException", str(exc)) from None
        name = req["ModelName"]
        record = {**req, "ModelArn": self.arn("model", name), "CreationTime": now()}
        with self._lock:
            if self._known("models", self.models, name):
                raise SageMakerError(
                    "ValidationException",
                    f'Cannot create already existing model "{self.arn("model", name)}".',
                )
            self.models[name] = record
            self.store.put("models", name, record)
        return {"ModelArn": record["ModelArn"]}

    def describe_model(self, req: dict[str, Any]) -> dict[str, Any]:
        return dict(self.model(req["ModelName"]))

    def _known(self, kind: str, known: dict[str, dict[str, Any]], name: str) -> bool:
        """Whether `name` is known, reading its record if another local run created it since."""
        if name not in known:
            try:
                record = self.store.get(kind, name)
            except DamagedRecord:
                record = None  # `Store.damaged` and the controller name the file
            if record is not None:
                known.setdefault(name, record)
        return name in known

    def model(self, name: str) -> dict[str, Any]:
        if not self._known("models", self.models, name):
            raise SageMakerError("ValidationException", f'Could not find model "{self.arn("model", name)}".')
        return self.models[name]

    def delete_model(self, req: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.model(req["ModelName"])
            del self.models[req["ModelName"]]
            self.store.delete("models", req["ModelName"])
        return {}

    def create_endpoint_config(self, req: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createEndpointConfig", req)
        names = [v.get("VariantName") for v in req["ProductionVariants"]]
        if len(set(names)) != len(names) or not all(names):
            raise SageMakerError("ValidationException", "Each production variant needs a unique VariantName")
        for variant in req["ProductionVariants"]:
            self.model(variant.get("ModelName", ""))
            count = variant.get("InitialInstanceCount", 1)
            if not isinstance(count, int) or count < 1:
                raise SageMakerError(
                    "ValidationException", f"InitialInstanceCount must be >= 1, got {count!r}"
                )
        name = req["EndpointConfigName"]
        record = {**req, "EndpointConfigArn": self.arn("endpoint-config", name), "CreationTime": now()}
        with self._lock:
            if self._known("configs", self.configs, name):
                raise SageMakerError(
                    "ValidationException",
                    "Cannot create already existing endpoint "
                    f'configuration "{self.arn("endpoint-config", name)}".',
                )
            self.configs[name] = record
            self.store.put("configs", name, record)
        return {"EndpointConfigArn": record["EndpointConfigArn"]}

    def describe_endpoint_config(self, req: dict[str, Any]) -> dict[str, Any]:
        return dict(self.config(req["EndpointConfigName"]))

    def config(self, name: str) -> dict[str, Any]:
        if not self._known("configs", self.configs, name):
            raise SageMakerError(
                "ValidationException",
                f'Could not find endpoint configuration "{self.arn("endpoint-config", name)}".',
            )
        return self.configs[name]

    def delete_endpoint_config(self, req: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.config(req["EndpointConfigName"])
            del self.configs[req["EndpointConfigName"]]
            self.store.delete("configs", req["EndpointConfigName"])
        return {}

    def weights(self, config_name: str) -> dict[str, float]:
        return {
            v["VariantName"]: float(v.get("InitialVariantWeight", 1.0))
            for v in self.config(config_name)["ProductionVariants"]
        }

    def instances(self, config_name: str) -> int:
        return sum(v.get("InitialInstanceCount", 1) for v in self.config(config_name)["ProductionVariants"])

    def images(self) -> dict[str, str]:
        return {
            name: (m.get("PrimaryContainer") or m["Containers"][0])["Image"]
            for name, m in self.models.items()
        }
