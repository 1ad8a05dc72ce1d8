"""Blue/green traffic modes, the execution timeout, and requests made while an update is running."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from local_runtime.endpoints import EndpointService
from local_runtime.errors import SageMakerError
from tests.local_runtime.test_endpoints_support import Clients, add_config, create_in_service, new_service


def _policy(routing: dict, termination: int = 60, timeout: int = 1800) -> dict:
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": termination,
            "MaximumExecutionTimeoutInSeconds": timeout,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
    }


def _green_weight(service: EndpointService) -> float:
    pending = service.describe_endpoint({"EndpointName": "moons"})["PendingDeploymentSummary"]
    return sum(variant["CurrentWeight"] for variant in pending["ProductionVariants"])


@pytest.mark.parametrize(
    "routing",
    [
        {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 60},
        {
            "Type": "LINEAR",
            "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 60,
        },
    ],
)
def test_healthy_update_shifts_everything(tmp_path: Path, routing: dict) -> None:
    service = new_service(tmp_path)
    old, new = add_config(service, "v1", w=[1, 0, 0]), add_config(service, "v2", instances=2, w=[0, 1, 0])
    create_in_service(service, "moons", old)
    with Clients(service, "moons", threads=2) as clients:
        service.update_endpoint(
            {"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": _policy(routing)}
        )
        assert service.wait("moons", 30) == "InService"
    described = service.describe_endpoint({"EndpointName": "moons"})
    assert described["EndpointConfigName"] == new
    assert [(v["CurrentWeight"], v["CurrentInstanceCount"]) for v in described["ProductionVariants"]] == [
        (1.0, 2)
    ]
    assert clients.exceptions == [] and {tag for _, tag in clients.outcomes} == {"v1", "v2"}


def test_execution_timeout_rolls_back_and_updates_do_not_overlap(tmp_path: Path) -> None:
    service = new_service(tmp_path)  # 600 s timeout = 1.2 s here, shorter than the 3600 s bakes
    old, new = add_config(service, "v1", w=[1, 0, 0]), add_config(service, "v2", w=[0, 1, 0])
    create_in_service(service, "moons", old)
    slow = _policy({"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 3600}, termination=3600, timeout=600)
    started = time.monotonic()
    service.update_endpoint({"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": slow})
    with pytest.raises(SageMakerError, match="Cannot update in-progress endpoint"):
        service.update_endpoint({"EndpointName": "moons", "EndpointConfigName": new})
    while _green_weight(service) < 1.0:
        time.sleep(0.01)  # the new fleet is being provisioned
    status, body, _ = service.invoke("moons", b"1,1", "text/csv", "application/json")
    assert status == 200 and json.loads(body)["version"] == "v2"  # ALL_AT_ONCE: the new fleet serves the bake
    assert service.wait("moons", 30) == "InService"
    assert 1.2 <= time.monotonic() - started < 5
    described = service.describe_endpoint({"EndpointName": "moons"})
    assert described["EndpointConfigName"] == old
    assert "exceeded MaximumExecutionTimeoutInSeconds" in described["FailureReason"]
    assert json.loads(service.invoke("moons", b"1,1", "text/csv", "application/json")[1])["version"] == "v1"


def test_delete_during_an_update_is_refused_as_on_sagemaker(tmp_path: Path) -> None:
    service = new_service(tmp_path)
    old, new = add_config(service, "v1", w=[1, 0, 0]), add_config(service, "v2", w=[0, 1, 0])
    create_in_service(service, "moons", old)
    routing = {
        "Type": "CANARY",
        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50},
        "WaitIntervalInSeconds": 3600,
    }
    service.update_endpoint(
        {"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": _policy(routing)}
    )
    with pytest.raises(SageMakerError, match="Cannot update in-progress endpoint"):
        service.delete_endpoint({"EndpointName": "moons"})
    assert service.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "Updating"
    service.close()
