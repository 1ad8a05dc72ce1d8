"""Endpoint state survives the process: `EndpointController.load` and a host following another process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.endpoints import EndpointController, EndpointNotFound, SampleRequest
from local_runtime.errors import SageMakerError
from tests.local_runtime.test_endpoints_support import (
    GUARDRAILS,
    add_config,
    create_in_service,
    moons_rows,
    new_controller,
)

ROW = moons_rows(1)[0].encode()


def _version(service: EndpointController, endpoint: str = "moons") -> str:
    status, body, _ = service.invoke(endpoint, ROW, "text/csv", "application/json")
    assert status == 200, body
    return json.loads(body)["version"]


def _update(service: EndpointController, config: str) -> None:
    service.update_endpoint(
        {"EndpointName": "moons", "EndpointConfigName": config, "DeploymentConfig": GUARDRAILS}
    )
    assert service.wait("moons", 30) == "InService"


def test_load_restores_live_configs_and_rollbacks(tmp_path: Path) -> None:
    # the canary load makes the faulty model's 5XXs visible to the alarm (no traffic, no datapoints)
    run = new_controller(tmp_path, traffic=lambda name: SampleRequest(ROW, "text/csv"))
    v1, v2, bad = (
        add_config(run, "v1", w=[1, 0, 0]),
        add_config(run, "v2", w=[0, 1, 0]),
        add_config(run, "v3"),
    )
    run.delete_model({"ModelName": "v3"})
    add_config(run, "v3b", w=[0.0, 0.0, 0.0], mode="fail")
    create_in_service(run, "moons", v1)
    create_in_service(run, "scratch", v1)
    run.delete_endpoint({"EndpointName": "scratch"})
    run.wait_deleted("scratch")
    _update(run, v2)
    _update(run, "v3b-config")  # rolls back to v2
    created = run.describe_endpoint({"EndpointName": "moons"})["CreationTime"]
    record = json.loads((tmp_path / "endpoints" / "endpoints" / "moons.json").read_text())
    assert record["EndpointConfigName"] == v2 and record["EndpointStatus"] == "InService"

    later = EndpointController.load(tmp_path)  # another process: the S3 root comes from the workdir
    assert later.endpoint_names() == ["moons"]
    described = later.describe_endpoint({"EndpointName": "moons"})
    assert described["EndpointConfigName"] == v2 and described["CreationTime"] == created
    assert "v3b-config" in described["FailureReason"]
    assert described["ProductionVariants"][0]["CurrentWeight"] == 1.0  # models loaded before serving
    assert _version(later) == "v2"
    with pytest.raises(SageMakerError, match="Could not find model"):
        later.describe_model({"ModelName": "v3"})
    assert (
        later.describe_endpoint_config({"EndpointConfigName": bad})["ProductionVariants"][0]["ModelName"]
        == "v3"
    )


def test_host_follows_updates_and_deletes_made_by_another_process(tmp_path: Path) -> None:
    run = new_controller(tmp_path)
    v1, v2 = add_config(run, "v1", w=[1.0, 0.0, 0.0]), add_config(run, "v2", w=[0.0, 1.0, 0.0])
    create_in_service(run, "moons", v1)
    host = EndpointController.load(tmp_path)
    assert host.refresh() == []

    _update(run, v2)
    create_in_service(run, "second", v1)
    changes = host.refresh()
    assert sorted(changes) == [
        "moons: switched to config v2-config",
        "second: now hosted (InService, config v1-config)",
    ]
    assert (_version(host), _version(host, "second")) == ("v2", "v1")

    run.delete_endpoint({"EndpointName": "moons"})
    run.wait_deleted("moons")
    assert host.refresh() == ["moons: deleted"]
    with pytest.raises(EndpointNotFound):
        host.invoke("moons", ROW, "text/csv", "application/json")
