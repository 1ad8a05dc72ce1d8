"""Two local runs on one workdir follow SageMaker's endpoint rules across processes: an endpoint one
run is updating takes no other change from the other, which sees it `Updating`; a claim dies with
its process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from local_runtime.endpoints.claims import Claims
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
