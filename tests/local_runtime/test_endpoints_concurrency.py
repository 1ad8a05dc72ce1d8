"""Two local runs on one workdir follow SageMaker's endpoint rules across processes: an endpoint one
run is updating takes no other change from the other, which sees it `Updating`; a claim dies with
its process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from local_runtime.endpoints import host
from local_runtime.endpoints.claims import Claims
from local_runtime.endpoints.clock import ScaledClock
from local_runtime.errors import SageMakerError
from tests.local_runtime.manual_clock import ManualClock
from tests.local_runtime.test_endpoints_support import (
    GUARDRAILS,
    add_config,
    create_in_service,
    new_controller,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_run_sees_the_update_of_the_first_and_cannot_interleave(tmp_path: Path) -> None:
    clock = ManualClock()
    first = new_controller(tmp_path, clock=clock)
    create_in_service(first, "moons", add_config(first, "v1", w=[1, 0, 0]))
    second = new_controller(tmp_path)  # another run on the same workdir (its own lock descriptors)
    assert second.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "InService"
    v3 = add_config(second, "v3", w=[0, 0, 1])

    update = {"EndpointName": "moons", "DeploymentConfig": GUARDRAILS}
    first.update_endpoint({**update, "EndpointConfigName": add_config(first, "v2", w=[0, 1, 0])})
    clock.waiting()  # the first run's canary is baking
    assert second.describe_endpoint({"EndpointName": "moons"})["EndpointStatus"] == "Updating"
    with pytest.raises(SageMakerError, match=r"in-progress endpoint .*status Updating, by another local run"):
        second.update_endpoint({**update, "EndpointConfigName": v3})
    with pytest.raises(SageMakerError, match="Cannot update in-progress endpoint"):
        second.delete_endpoint({"EndpointName": "moons"})
    with pytest.raises(SageMakerError, match="Cannot create already existing endpoint"):
        second.create_endpoint({"EndpointName": "moons", "EndpointConfigName": v3})

    clock.advance(300)
    clock.waiting()
    clock.advance(120)
    assert first.wait("moons", 30) == "InService"
    described = second.describe_endpoint({"EndpointName": "moons"})
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "v2-config")
    second.update_endpoint({"EndpointName": "moons", "EndpointConfigName": v3})  # now it may
    assert second.wait("moons", 30) == "InService"
    status, body, _ = second.invoke("moons", b"1,1", "text/csv", "application/json")
    assert status == 200 and json.loads(body)["version"] == "v3"
    first.close()
    second.close()


def test_a_claim_dies_with_its_process(tmp_path: Path) -> None:
    holder = (
        "import sys, time; from pathlib import Path; from local_runtime.endpoints.claims import Claims; "
        "assert Claims(Path(sys.argv[1])).claim('moons', 'Updating'); print('claimed', flush=True); "
        "time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "claimed\n"
        claims = Claims(tmp_path)
        assert claims.elsewhere("moons") == "Updating" and not claims.claim("moons", "Deleting")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert claims.elsewhere("moons") is None
        assert claims.claim("moons", "Deleting") and claims.ours("moons")
        claims.release("moons")
    finally:
        proc.kill()


def test_a_host_refreshing_keeps_an_endpoint_it_is_creating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = new_controller(tmp_path)
    config = add_config(host, "v1", w=[1, 0, 0])
    release = threading.Event()
    real = host._provision

    def slow(*args: object, **kwargs: object) -> list:
        assert release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(host, "_provision", slow)
    host.create_endpoint({"EndpointName": "moons", "EndpointConfigName": config})
    assert host.refresh() == [] and host.endpoint_names() == ["moons"]  # not "deleted" mid-creation
    record = json.loads((tmp_path / "endpoints" / "endpoints" / "moons.json").read_text())
    assert record["EndpointStatus"] == "Creating"  # on disk as SageMaker reports it
    release.set()
    assert host.wait("moons", 30) == "InService"
    host.close()


def test_a_creation_or_deletion_whose_run_died_is_finished_as_sagemaker_would(tmp_path: Path) -> None:
    run = new_controller(tmp_path)
    create_in_service(run, "moons", add_config(run, "v1", w=[1, 0, 0]))
    create_in_service(run, "gone", add_config(run, "v2", w=[0, 1, 0]))
    run.close()
    records = tmp_path / "endpoints" / "endpoints"
    for name, status in (("moons", "Creating"), ("gone", "Deleting")):  # what a killed run leaves
        path = records / f"{name}.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "EndpointStatus": status}))
    later = new_controller(tmp_path)
    described = later.describe_endpoint({"EndpointName": "moons"})
    assert (
        described["EndpointStatus"] == "Failed"
        and "ended before it was InService" in described["FailureReason"]
    )
    with pytest.raises(SageMakerError, match="Could not find endpoint"):
        later.describe_endpoint({"EndpointName": "gone"})
    assert not (records / "gone.json").exists()
    later.close()


def test_a_deletion_is_recorded_and_completed_when_the_run_ends(tmp_path: Path) -> None:
    run = new_controller(tmp_path, clock=ManualClock())  # the deletion timer never fires by itself
    create_in_service(run, "moons", add_config(run, "v1", w=[1, 0, 0]))
    run.delete_endpoint({"EndpointName": "moons"})
    record = tmp_path / "endpoints" / "endpoints" / "moons.json"
    assert json.loads(record.read_text())["EndpointStatus"] == "Deleting"
    run.close()
    assert not record.exists() and new_controller(tmp_path).endpoint_names() == []


def test_probing_a_claim_never_makes_claiming_it_fail(tmp_path: Path) -> None:
    mine, prober = Claims(tmp_path), Claims(tmp_path)
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            prober.elsewhere("moons")

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            assert mine.claim("moons", "Updating")
            mine.release("moons")
    finally:
        stop.set()
        thread.join()


def test_a_run_deploying_through_a_host_is_refused_unknown_alarms_before_calling_it(tmp_path: Path) -> None:
    local = new_controller(tmp_path)
    config = add_config(local, "v1", w=[1, 0, 0])
    hosted = host.HostedEndpoints(tmp_path, local.s3, "http://127.0.0.1:9", clock=ScaledClock(0.01))
    deployment = {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "not-in-my-template"}]}}
    with pytest.raises(SageMakerError, match="Alarm\\(s\\) not-in-my-template do not exist"):
        hosted.update_endpoint(
            {"EndpointName": "moons", "EndpointConfigName": config, "DeploymentConfig": deployment}
        )
    local.close()
