"""Blue/green traffic modes, the execution timeout, and requests made while an update is running.

The controller runs on a manual clock: each test waits for the deployment to be baking (a thread
waiting on the clock), asserts what the endpoint looks like at that step, then advances the clock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.endpoints import EndpointController
from local_runtime.errors import SageMakerError
from tests.local_runtime.manual_clock import ManualClock
from tests.local_runtime.test_endpoints_support import Clients, add_config, create_in_service, new_controller


def _policy(routing: dict, termination: int = 60, timeout: int = 1800) -> dict:
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": termination,
            "MaximumExecutionTimeoutInSeconds": timeout,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
    }


def _green_weight(service: EndpointController) -> float:
    pending = service.describe_endpoint({"EndpointName": "moons"})["PendingDeploymentSummary"]
    return sum(variant["CurrentWeight"] for variant in pending["ProductionVariants"])


def _version(service: EndpointController) -> str:
    status, body, _ = service.invoke("moons", b"1,1", "text/csv", "application/json")
    assert status == 200, body
    return str(json.loads(body)["version"])


def test_all_at_once_shifts_everything_then_bakes(tmp_path: Path) -> None:
    clock = ManualClock()
    service = new_controller(tmp_path, clock=clock)
    old, new = add_config(service, "v1", w=[1, 0, 0]), add_config(service, "v2", instances=2, w=[0, 1, 0])
    create_in_service(service, "moons", old)
    with Clients(service, "moons", threads=2) as clients:
        routing = {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 60}
        service.update_endpoint(
            {"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": _policy(routing)}
        )
        assert clock.waiting() == 60  # baking, the errors alarm's first period ends at 60 s
        assert _green_weight(service) == 1.0
        clients.wait_until(lambda outcomes: outcomes[(200, "v2")] > 0)
        clock.advance(60)  # the wait ends: the full shift's final bake (TerminationWaitInSeconds) starts
        assert clock.waiting() == 120
        assert service.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "Updating"
        clock.advance(60)
        assert service.wait("moons", 30) == "InService"
    described = service.describe_endpoint({"EndpointName": "moons"})
    assert described["EndpointConfigName"] == new
    assert [(v["CurrentWeight"], v["CurrentInstanceCount"]) for v in described["ProductionVariants"]] == [
        (1.0, 2)
    ]
    assert clients.exceptions == [] and {tag for _, tag in clients.outcomes} == {"v1", "v2"}


def test_execution_timeout_rolls_back_and_updates_do_not_overlap(tmp_path: Path) -> None:
    clock = ManualClock()
    service = new_controller(tmp_path, clock=clock)
    old, new = add_config(service, "v1", w=[1, 0, 0]), add_config(service, "v2", w=[0, 1, 0])
    create_in_service(service, "moons", old)
    slow = _policy({"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 3600}, termination=3600, timeout=600)
    service.update_endpoint({"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": slow})
    with pytest.raises(SageMakerError, match="Cannot update in-progress endpoint"):
        service.update_endpoint({"EndpointName": "moons", "EndpointConfigName": new})
    clock.waiting()
    assert _green_weight(service) == 1.0 and _version(service) == "v2"  # the new fleet serves the bake
    clock.advance(599)
    assert clock.waiting() == 600  # still baking, one second before the deadline
    clock.advance(1)
    assert service.wait("moons", 30) == "InService"
    described = service.describe_endpoint({"EndpointName": "moons"})
    assert described["EndpointConfigName"] == old
    assert "exceeded MaximumExecutionTimeoutInSeconds" in described["FailureReason"]
    assert _version(service) == "v1"


def test_delete_during_an_update_is_refused_as_on_sagemaker(tmp_path: Path) -> None:
    clock = ManualClock()
    service = new_controller(tmp_path, clock=clock)
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
    clock.waiting()
    with pytest.raises(SageMakerError, match="Cannot update in-progress endpoint"):
        service.delete_endpoint({"EndpointName": "moons"})
    assert service.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "Updating"
    assert _green_weight(service) == pytest.approx(0.5)
    service.close()


def test_a_deleted_endpoint_frees_its_name_after_the_deletion_time(tmp_path: Path) -> None:
    clock = ManualClock()
    service = new_controller(tmp_path, clock=clock)
    config = add_config(service, "v1", w=[1, 0, 0])
    create_in_service(service, "moons", config)
    service.delete_endpoint({"EndpointName": "moons"})
    clock.advance(29)
    assert service.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "Deleting"
    clock.advance(1)
    assert service.endpoint_names() == []
    assert not (tmp_path / "endpoints" / "endpoints" / "moons.json").exists()
