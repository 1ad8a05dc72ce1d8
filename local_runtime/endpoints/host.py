"""One endpoint host per workdir: while `serve` runs, the endpoints live where the user's traffic goes.

`serve` advertises its URL in `<workdir>/endpoints/host.json`. A run that finds a live host creates,
updates, describes and deletes its endpoints through it (`POST /local/control/<Action>` on
127.0.0.1, the API's request and response shapes), so a canary takes its share of the user's own
requests, the rollback alarms judge that traffic (beside the run's sample requests), and a rollback
happens where the user's requests go. Without a host, a run hosts its endpoints itself, as before.
Models and endpoint configs stay the run's own records; the host reads them from the workdir.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local_runtime.contracts.api_shapes import require_valid
from local_runtime.endpoints.alarms import AlarmSpec
from local_runtime.endpoints.clock import Clock, ScaledClock
from local_runtime.endpoints.controller import EndpointController
from local_runtime.endpoints.policy import plan_update
from local_runtime.endpoints.store import TIME_FIELDS
from local_runtime.endpoints.traffic import SampleRequest
from local_runtime.errors import SageMakerError
from local_runtime.reaper import alive, this_process
from ml_code.common.io import write_json

HOST_FILE = "host.json"
CONTROL_PATH = "/local/control/"
# the control actions a host answers, and its controller's method for each
ACTIONS = {
    "CreateEndpoint": "create_endpoint",
    "UpdateEndpoint": "update_endpoint",
    "DescribeEndpoint": "describe_endpoint",
    "DeleteEndpoint": "delete_endpoint",
    "ListEndpoints": "endpoint_names",
}
TIMED = ("UpdateEndpoint", "DeleteEndpoint")  # the actions that run on the caller's time scale


def advertise(workdir: Path, url: str) -> Path:
    path = workdir / "endpoints" / HOST_FILE
    write_json(path, {"url": url, "process": this_process()})
    return path


def withdraw(advertised: Path) -> None:
    """Remove this host's advertisement (not another's, written since)."""
    try:
        record = json.loads(advertised.read_text())
    except (OSError, ValueError):
        return
    if isinstance(record, dict) and record.get("process") == this_process():
        advertised.unlink(missing_ok=True)


def find(workdir: Path) -> str | None:
    """The URL of the live host of `workdir`'s endpoints, if one runs."""
    try:
        record = json.loads((workdir / "endpoints" / HOST_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not alive(record.get("process")):
        return None  # a host that was killed leaves its file behind
    return str(record["url"])


def _json(value: Any) -> str:
    return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))


def answer(controller: EndpointController, action: str, body: bytes) -> tuple[int, str]:
    """What a host answers to a control request: (HTTP status, JSON body)."""
    method = ACTIONS.get(action)
    if method is None:
        return 404, _json(
            {"ErrorCode": "UnknownOperationException", "Message": f"no control action {action}"}
        )
    try:
        payload = json.loads(body)
        request = payload["request"]
        kwargs: dict[str, Any] = {}
        if action in TIMED:
            kwargs["clock"] = ScaledClock(float(payload.get("time_scale", 1.0)))
        if action == "UpdateEndpoint":  # the alarms the calling run's template declares, and only those
            kwargs["alarms"] = {a["name"]: AlarmSpec(**a) for a in payload.get("alarms", [])}
            if payload.get("sample"):
                sample = payload["sample"]
                kwargs["sample"] = SampleRequest(
                    base64.b64decode(sample["body"]), sample["content_type"], sample["accept"]
                )
        if action == "ListEndpoints":
            result: dict[str, Any] = {"Endpoints": [{"EndpointName": n} for n in controller.endpoint_names()]}
        else:
            result = getattr(controller, method)(request, **kwargs)
    except SageMakerError as exc:
        return 400, _json({"ErrorCode": exc.code, "Message": exc.message})
    except (ValueError, KeyError, TypeError) as exc:
        return 400, _json({"ErrorCode": "ValidationException", "Message": f"bad control request: {exc}"})
    return 200, _json(result)


class HostedEndpoints(EndpointController):
    """A run's endpoints when `serve` hosts the workdir: lifecycle calls go to the host."""

    def __init__(self, workdir: Path, s3: Any, url: str, *, clock: ScaledClock, **kwargs: Any) -> None:
        super().__init__(workdir, s3, clock=clock, **kwargs)
        self.url, self.time_scale = url, clock.scale

    def _call(self, action: str, request: dict[str, Any], **extras: Any) -> dict[str, Any]:
        address = urlsplit(self.url)
        try:
            connection = http.client.HTTPConnection(address.hostname or "", address.port or 80, timeout=60)
            connection.request("POST", CONTROL_PATH + action, _json({"request": request, **extras}))
            response = connection.getresponse()
            status, data = response.status, json.loads(response.read())
            connection.close()
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise SageMakerError(
                "InternalFailure",
                f"the endpoint host at {self.url} did not answer ({exc}): is `serve` running?",
            ) from None
        if status != 200:
            raise SageMakerError(data.get("ErrorCode", "InternalFailure"), data.get("Message", str(data)))
        return {k: datetime.fromisoformat(v) if k in TIME_FIELDS else v for k, v in data.items()}

    def create_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createEndpoint", req)
        return self._call("CreateEndpoint", req)

    def update_endpoint(
        self,
        req: dict[str, Any],
        *,
        clock: Clock | None = None,
        sample: SampleRequest | None = None,
        alarms: Mapping[str, AlarmSpec] | None = None,
    ) -> dict[str, Any]:
        require_valid("sagemaker", "updateEndpoint", req)
        known = self.alarms if alarms is None else alarms
        self.config(req["EndpointConfigName"])
        plan = plan_update(  # refused here as without a host: unknown alarms, bad sizes
            req.get("DeploymentConfig"), self.instances(req["EndpointConfigName"]), known_alarms=set(known)
        )
        sent = [dataclasses.asdict(known[name]) for name in plan.alarm_names]
        if sample is None and self.traffic is not None:
            sample = self.traffic(req["EndpointName"])
        shown = None
        if sample is not None:
            encoded = base64.b64encode(sample.body).decode()
            shown = {"body": encoded, "content_type": sample.content_type, "accept": sample.accept}
        return self._call("UpdateEndpoint", req, alarms=sent, time_scale=self.time_scale, sample=shown)

    def describe_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        return self._call("DescribeEndpoint", req)

    def delete_endpoint(self, req: dict[str, Any], *, clock: Clock | None = None) -> dict[str, Any]:
        require_valid("sagemaker", "deleteEndpoint", req)
        return self._call("DeleteEndpoint", req, time_scale=self.time_scale)

    def endpoint_names(self) -> list[str]:
        return sorted(e["EndpointName"] for e in self._call("ListEndpoints", {})["Endpoints"])
