"""EndpointController: the SageMaker API shapes, and blue/green updates with and without a rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.endpoints import SampleRequest
from local_runtime.errors import SageMakerError
from tests.local_runtime.manual_clock import ManualClock
from tests.local_runtime.test_endpoints_support import (
    GUARDRAILS,
    IMAGE,
    ROLE,
    Clients,
    add_config,
    create_in_service,
    moons_rows,
    new_controller,
)

# the first moons test row is x1=-0.49427234897084715, x2=0.7351644152574444
ROW = moons_rows(1)[0].encode()
X1, X2 = (float(v) for v in ROW.split(b","))


def _update(service, endpoint: str, config: str, timeout: float = 30) -> dict:
    service.update_endpoint(
        {"EndpointName": endpoint, "EndpointConfigName": config, "DeploymentConfig": GUARDRAILS}
    )
    assert service.describe_endpoint({"EndpointName": endpoint})["EndpointStatus"] == "Updating"
    assert service.wait(endpoint, timeout) == "InService"
    return service.describe_endpoint({"EndpointName": endpoint})


def test_create_then_invoke_and_describe(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    config = add_config(service, "v1", w=[2.0, -1.0, 0.5])
    service.create_endpoint({"EndpointName": "moons", "EndpointConfigName": config})
    assert service.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] in ("Creating", "InService")
    assert service.wait("moons", 30) == "InService"

    status, body, content_type = service.invoke("moons", ROW, "text/csv", "application/json")
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body) == {"version": "v1", "scores": [pytest.approx(2 * X1 - X2 + 0.5)]}
    described = service.describe_endpoint({"EndpointName": "moons"})
    assert described["EndpointConfigName"] == config
    assert described["EndpointArn"] == f"arn:aws:sagemaker:{service.region}:000000000000:endpoint/moons"
    assert [
        (v["VariantName"], v["CurrentWeight"], v["CurrentInstanceCount"])
        for v in described["ProductionVariants"]
    ] == [("AllTraffic", 1.0, 4)]
    assert described["CreationTime"] <= described["LastModifiedTime"]


def test_errors_have_sagemaker_codes(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    config = add_config(service, "v1", w=[1.0, 1.0, 0.0])
    with pytest.raises(SageMakerError, match="Could not find endpoint") as missing:
        service.describe_endpoint({"EndpointName": "nope"})
    assert missing.value.code == "ValidationException"
    with pytest.raises(SageMakerError, match="Could not find endpoint configuration"):
        service.create_endpoint({"EndpointName": "moons", "EndpointConfigName": "nope"})
    with pytest.raises(SageMakerError, match="already existing model"):
        add_config(service, "v1", w=[1.0, 1.0, 0.0])
    with pytest.raises(SageMakerError, match="failed to satisfy constraint"):
        service.create_endpoint({"EndpointName": "../../escape", "EndpointConfigName": config})
    # request shapes are botocore's SageMaker model, worded as the service words them
    with pytest.raises(
        SageMakerError, match="Value 'None' at 'modelName' failed to satisfy constraint: Member must"
    ):
        service.create_model({"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "a/pca:1"}})
    with pytest.raises(SageMakerError, match="no local equivalent"):
        service.create_model(
            {"ModelName": "x", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "a/b:1"}}
        )
    create_in_service(service, "moons", config)
    with pytest.raises(SageMakerError, match="Alarm\\(s\\) missing do not exist"):
        service.update_endpoint(
            {
                "EndpointName": "moons",
                "EndpointConfigName": config,
                "DeploymentConfig": {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "missing"}]}},
            }
        )
    with pytest.raises(SageMakerError, match="not found") as not_found:
        service.invoke("nope", ROW, "text/csv", "application/json")
    assert not_found.value.code == "ValidationError"


def test_model_that_cannot_load_fails_the_endpoint(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    service.create_model(
        {
            "ModelName": "broken",
            "ExecutionRoleArn": ROLE,
            "PrimaryContainer": {
                "Image": IMAGE,
                "ModelDataUrl": "s3://artifacts/missing/model.tar.gz",
            },
        }
    )
    service.create_endpoint_config(
        {
            "EndpointConfigName": "c",
            "ProductionVariants": [
                {"VariantName": "AllTraffic", "ModelName": "broken", "InitialInstanceCount": 1}
            ],
        }
    )
    service.create_endpoint({"EndpointName": "e", "EndpointConfigName": "c"})
    assert service.wait("e", 30) == "Failed"
    assert "missing/model.tar.gz" in service.describe_endpoint({"EndpointName": "e"})["FailureReason"]
    # "DeleteEndpoint is the only operation that can be performed on a failed endpoint"
    good = add_config(service, "v1", w=[2.0, -1.0, 0.5])
    with pytest.raises(SageMakerError, match="in Failed status; a Failed endpoint can only be deleted"):
        service.update_endpoint({"EndpointName": "e", "EndpointConfigName": good})
    service.delete_endpoint({"EndpointName": "e"})
    assert service.describe_endpoint({"EndpointName": "e"})["EndpointStatus"] == "Deleting"
    with pytest.raises(SageMakerError, match="Cannot create already existing endpoint"):
        service.create_endpoint({"EndpointName": "e", "EndpointConfigName": good})  # not yet
    service.wait_deleted("e")
    create_in_service(service, "e", good)  # the name is free again


def test_healthy_canary_goes_live(tmp_path: Path) -> None:
    clock = ManualClock()
    service = new_controller(tmp_path, clock=clock)
    old, new = add_config(service, "v1", w=[1.0, 0.0, 0.0]), add_config(service, "v2", w=[0.0, 1.0, 0.0])
    create_in_service(service, "moons", old)
    with Clients(service, "moons") as clients:
        service.update_endpoint(
            {"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": GUARDRAILS}
        )
        clock.waiting()  # the new fleet is loaded and the canary bakes
        during = service.describe_endpoint({"EndpointName": "moons"})
        assert during["EndpointStatus"] == "Updating" and during["EndpointConfigName"] == old
        canary = during["PendingDeploymentSummary"]
        assert canary["EndpointConfigName"] == new
        assert canary["ProductionVariants"][0]["CurrentWeight"] == pytest.approx(0.25)  # 1 of 4 instances
        assert during["ProductionVariants"][0]["CurrentWeight"] == pytest.approx(0.75)
        clients.wait_until(lambda outcomes: outcomes[(200, "v2")] > 0)
        clock.advance(300)  # the canary's WaitIntervalInSeconds: no alarm fired, all traffic shifts
        clock.waiting()
        shifted = service.describe_endpoint({"EndpointName": "moons"})["PendingDeploymentSummary"]
        assert shifted["ProductionVariants"][0]["CurrentWeight"] == 1.0
        clock.advance(120)  # TerminationWaitInSeconds: the old fleet goes
        assert service.wait("moons", 30) == "InService"
    after = service.describe_endpoint({"EndpointName": "moons"})
    assert after["EndpointConfigName"] == new and "FailureReason" not in after
    assert after["LastDeploymentConfig"] == GUARDRAILS
    assert clients.exceptions == []
    assert set(clients.outcomes) == {(200, "v1"), (200, "v2")}
    assert json.loads(service.invoke("moons", ROW, "text/csv", "application/json")[1])["version"] == "v2"


def test_faulty_model_rolls_back_without_dropping_requests(tmp_path: Path) -> None:
    clock = ManualClock()
    service = new_controller(tmp_path, clock=clock)
    old, bad = (
        add_config(service, "v1", w=[1.0, 0.0, 0.0]),
        add_config(service, "v2", w=[0, 0, 0], mode="fail"),
    )
    create_in_service(service, "moons", old)
    failed = (500, "SERVER_ERROR_FROM_MODEL")
    with Clients(service, "moons", threads=4) as clients:
        service.update_endpoint(
            {"EndpointName": "moons", "EndpointConfigName": bad, "DeploymentConfig": GUARDRAILS}
        )
        clock.waiting()
        clients.wait_until(lambda outcomes: outcomes[failed] > 0)
        clock.advance(60)  # the first period completes with 5XXs in it: the errors alarm fires
        assert service.wait("moons", 30) == "InService"
        served_after = clients.total()
        clients.wait_until(lambda outcomes: sum(outcomes.values()) > served_after + 20)
    after = service.describe_endpoint({"EndpointName": "moons"})
    assert after["EndpointConfigName"] == old  # what a state machine checks to detect the rollback
    assert "errors" in after["FailureReason"] and bad in after["FailureReason"]
    assert "PendingDeploymentSummary" not in after
    assert clients.exceptions == []  # every request got a response...
    assert set(clients.outcomes) == {(200, "v1"), failed}  # ...from one of the fleets
    assert 0 < clients.outcomes[failed] < clients.outcomes[(200, "v1")]
    assert json.loads(service.invoke("moons", ROW, "text/csv", "application/json")[1])["version"] == "v1"


def test_slow_model_trips_the_latency_alarm_under_generated_load(tmp_path: Path) -> None:
    sample = SampleRequest(b"\n".join(r.encode() for r in moons_rows(3)), "text/csv")
    service = new_controller(tmp_path, traffic=lambda name: sample if name == "moons" else None)
    old, slow = (
        add_config(service, "v1", w=[1.0, 0.0, 0.0]),
        add_config(service, "v2", w=[1, 1, 1], sleep=0.03),
    )
    create_in_service(service, "moons", old)
    after = _update(service, "moons", slow)  # no client: the service's canary load feeds the alarm
    assert after["EndpointConfigName"] == old
    assert "latency" in after["FailureReason"] and "errors" not in after["FailureReason"]


def test_invalid_deployment_config_is_refused_before_anything_changes(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    old, new = add_config(service, "v1", w=[1.0, 0.0, 0.0]), add_config(service, "v2", w=[0.0, 1.0, 0.0])
    create_in_service(service, "moons", old)
    too_big = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 60},
                "WaitIntervalInSeconds": 60,
            }
        }
    }
    with pytest.raises(SageMakerError, match="exceeds 50%"):
        service.update_endpoint(
            {"EndpointName": "moons", "EndpointConfigName": new, "DeploymentConfig": too_big}
        )
    assert service.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "InService"
