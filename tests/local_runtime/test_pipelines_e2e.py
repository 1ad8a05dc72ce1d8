"""End to end: the synthesized state machines run locally, on the bundled data, down every path.

Fast settings (tests/local_runtime/e2e_app.py) keep this to a few minutes; everything else — the
state machines, the ml_code, moto's interpreter, the local SageMaker and endpoints — is real.
"""

from __future__ import annotations

import dataclasses
import http.client
import shutil
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local_runtime import cases, pipeline
from local_runtime.bundled_data import DEFAULT_DATA_DIR
from local_runtime.cases import CASE_IDS
from local_runtime.destroy import destroy
from local_runtime.endpoints import controller, host
from local_runtime.endpoints.frontend import EndpointServer
from local_runtime.endpoints.loader import Handlers
from local_runtime.errors import DamagedState
from local_runtime.pipeline import run_case
from stacks.case_parts import QualityGate
from stacks.cases.moons import MOON_CLASSIFICATION
from tests.local_runtime.e2e_app import fast, fast_cases, synth

pytestmark = pytest.mark.slow
MOONS = "moon-classification"


@pytest.fixture
def assembly(e2e_assembly: Path) -> Path:
    return e2e_assembly


@pytest.fixture
def workdir(e2e_workdir: Path) -> Path:
    return e2e_workdir


def states(run: pipeline.CaseRun) -> list[str]:
    return [s["state"] for s in run.states]


@pytest.mark.parametrize("case", CASE_IDS)
def test_every_case_succeeds_and_deploys(case: str, first_run: Callable[[str], pipeline.CaseRun]) -> None:
    run = first_run(case)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert set(cases.find(case).local.key_metrics) <= set(run.metrics), run.metrics  # the table's figures
    assert run.endpoint is not None and run.endpoint["status"] == "InService"
    assert "CreateEndpoint" in states(run) and "UpdateEndpoint" not in states(run)
    report = Path(str(run.report)).read_text()
    assert "SUCCEEDED" in report and "<img" in report
    if case == "population-segmentation":
        assert run.metrics["explained_variance_top_k"] == pytest.approx(0.8017, abs=1e-4)


def test_second_run_updates_the_endpoint_through_the_canary(assembly: Path, workdir: Path) -> None:
    first = run_case(MOONS, workdir=workdir, assembly_dir=assembly)
    second = run_case(MOONS, workdir=workdir, assembly_dir=assembly)
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert "UpdateEndpoint" in states(second)
    assert first.endpoint and second.endpoint
    assert second.endpoint["live_config"] != first.endpoint["live_config"]
    assert second.execution != first.execution


class _Client(threading.Thread):
    """Live traffic from outside the pipeline: invokes the endpoint until stopped, counting outcomes."""

    def __init__(self, services: list[Any], endpoint: str, body: bytes) -> None:
        super().__init__(daemon=True)
        self.services, self.endpoint, self.body = services, endpoint, body
        self.outcomes: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            if not self.services or self.endpoint not in self.services[-1].endpoint_names():
                self.stop.wait(0.05)
                continue
            try:
                status, _, _ = self.services[-1].invoke(
                    self.endpoint, self.body, "text/csv", "application/json"
                )
                self.outcomes[str(status)] += 1
            except Exception as exc:  # a dropped request
                self.outcomes[f"dropped: {exc!r}"] += 1
            self.stop.wait(0.005)


def deployed_then_broken(
    assembly: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, **handlers: Any
) -> pipeline.CaseRun:
    """Deploy the moons model, then make every model created from now on use `handlers` instead."""
    before = run_case(MOONS, workdir=workdir, assembly_dir=assembly)
    assert before.status == "SUCCEEDED" and before.endpoint
    healthy = {p.stem for p in (workdir / "endpoints" / "models").glob("*.json")}
    real_load = controller.load_handlers

    def load_handlers(model: dict[str, Any], s3: Any, artifacts: Path) -> tuple[Handlers, str]:
        loaded, model_dir = real_load(model, s3, artifacts)
        if model["ModelName"] not in healthy:
            loaded = dataclasses.replace(loaded, **handlers)
        return loaded, model_dir

    monkeypatch.setattr(controller, "load_handlers", load_handlers)
    return before


def test_faulty_model_is_rolled_back_under_live_traffic(
    assembly: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def faulty_predict(data: Any, model: Any) -> Any:
        raise RuntimeError("faulty model: predict_fn raised")

    before = deployed_then_broken(assembly, workdir, monkeypatch, predict_fn=faulty_predict)
    assert before.endpoint
    services: list[Any] = []
    client = _Client(services, before.endpoint["name"], b"0.5,0.25")

    class CapturingService(pipeline.EndpointController):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            services.append(self)

        def close(self) -> None:  # the run is over: stop the client before the models unload
            client.stop.set()
            client.join()
            super().close()

    monkeypatch.setattr(pipeline, "EndpointController", CapturingService)
    client.start()
    after = run_case(MOONS, workdir=workdir, assembly_dir=assembly)
    monkeypatch.undo()
    restored = pipeline.EndpointController.load(workdir)  # what `serve` would host now
    try:
        old_model_answers = restored.invoke(
            before.endpoint["name"], b"0.5,0.25", "text/csv", "application/json"
        )
    finally:
        restored.close()
    assert after.status == "FAILED" and after.error == "RolledBack", (after.error, after.cause)
    # the cause says why (an alarm, not a failed health check) and which guardrails applied
    assert "FailureReason: Rolled back the update to endpoint config" in str(after.cause), after.cause
    assert "CloudWatch alarm(s) mlcases-dev-moons-5xx" in str(after.cause)
    assert 'LastDeploymentConfig: {"BlueGreenUpdatePolicy"' in str(after.cause)
    assert after.endpoint and after.endpoint["live_config"] == before.endpoint["live_config"]
    assert not [k for k in client.outcomes if k.startswith("dropped")], client.outcomes
    assert client.outcomes["200"] > 0 and client.outcomes["500"] > 0, client.outcomes
    assert old_model_answers[0] == 200
    assert after.notifications, "the rollback must be notified"


def test_a_new_fleet_that_fails_its_health_check_is_told_apart_from_an_alarm(
    assembly: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both end InService on the old config; SageMaker's FailureReason says which happened."""

    def model_fn(path: str) -> Any:
        raise OSError("weights file is truncated")

    before = deployed_then_broken(assembly, workdir, monkeypatch, model_fn=model_fn)
    after = run_case(MOONS, workdir=workdir, assembly_dir=assembly)
    assert after.status == "FAILED" and after.error == "RolledBack", (after.error, after.cause)
    assert "FailureReason: Failed to provision endpoint config" in str(after.cause), after.cause
    assert "weights file is truncated" in str(after.cause) and "CloudWatch alarm" not in str(after.cause)
    assert before.endpoint and after.endpoint
    assert after.endpoint["live_config"] == before.endpoint["live_config"]


def test_failing_job_is_caught_and_notified(assembly: Path, workdir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR / "moons", data / "moons")
    bad = data / "moons" / "train.csv"
    bad.write_text(bad.read_text().replace("1.0,", "one,", 1))
    run = run_case(MOONS, workdir=workdir, assembly_dir=assembly, data_dir=data)
    assert run.status == "FAILED"
    assert "train.csv, row 2, field 'label': 'one' is not a number" in str(run.cause), run.cause
    assert run.notifications and "train.csv" in str(run.notifications[-1]["Message"])


def test_quality_gate_fails_a_weak_model(tmp_path: Path) -> None:
    strict = fast(
        MOON_CLASSIFICATION,
        gate=QualityGate("mlp", "test:accuracy", MOON_CLASSIFICATION.gate.direction, 0.999),
    )
    assembly = synth(tmp_path / "cdk.out", (strict,))
    run = run_case(MOONS, workdir=tmp_path / "work", assembly_dir=assembly)
    assert run.status == "FAILED" and run.error == "QualityGateFailed", (run.error, run.cause)
    assert "test:accuracy" in str(run.cause) and "0.999" in str(run.cause)
    assert run.endpoint is None  # nothing was deployed
    assert run.notifications


def test_a_damaged_endpoint_record_stops_the_run_until_destroy(assembly: Path, tmp_path: Path) -> None:
    deployed = run_case(MOONS, workdir=tmp_path, assembly_dir=assembly)
    assert deployed.status == "SUCCEEDED" and deployed.endpoint
    record = tmp_path / "endpoints" / "endpoints" / f"{deployed.endpoint['name']}.json"
    record.write_text(record.read_text()[:40])
    with pytest.raises(DamagedState, match=f"(?s){record}: not valid JSON.*local_runtime destroy {MOONS}"):
        run_case(MOONS, workdir=tmp_path, assembly_dir=assembly)
    removed = destroy(cases.find(MOONS), deployed.endpoint["name"], tmp_path)
    assert record in removed and not any((tmp_path / "endpoints" / "models").glob("moons-*"))
    again = run_case(MOONS, workdir=tmp_path, assembly_dir=assembly)
    assert again.status == "SUCCEEDED" and "CreateEndpoint" in states(again)


def test_a_damaged_cached_synth_is_synthesized_again(
    assembly: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def cached_synth(outdir: Path) -> Path:  # the first call finds a truncated template in the cache
        calls.append(outdir)
        if not outdir.exists():
            shutil.copytree(assembly, outdir)
            if len(calls) == 1:
                template = next(outdir.glob("*.template.json"))
                template.write_text(template.read_text()[:100])
        return outdir

    monkeypatch.setattr(pipeline, "synthesize", cached_synth)
    loaded, _ = pipeline.load_assembly(tmp_path)
    assert calls == [tmp_path / "cdk.out"] * 2 and set(loaded.templates) >= {
        cases.stack_id(case) for case in fast_cases()
    }


def test_with_serve_running_the_canary_takes_the_users_traffic_and_rolls_back_there(
    assembly: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def faulty_predict(data: Any, model: Any) -> Any:
        raise RuntimeError("faulty model: predict_fn raised")

    before = deployed_then_broken(assembly, tmp_path, monkeypatch, predict_fn=faulty_predict)
    assert before.endpoint and before.endpoint["url"] is None  # no host yet: nothing serves it
    name = before.endpoint["name"]
    hosted = controller.EndpointController.load(tmp_path)  # what `serve` runs, in this process
    with EndpointServer(hosted) as server:
        advertised = host.advertise(tmp_path, server.url)
        outcomes: Counter[int] = Counter()
        stop = threading.Event()

        def user() -> None:  # a user's own client, over HTTP, knowing nothing of the deployment
            while not stop.is_set():
                connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
                connection.request(
                    "POST", f"/endpoints/{name}/invocations", b"0.5,0.25", {"Content-Type": "text/csv"}
                )
                outcomes[connection.getresponse().status] += 1
                connection.close()
                stop.wait(0.005)

        client = threading.Thread(target=user, daemon=True)
        client.start()
        after = run_case(MOONS, workdir=tmp_path, assembly_dir=assembly)  # deploys through the host
        stop.set()
        client.join()
        advertised.unlink()
        live = hosted.describe_endpoint({"EndpointName": name})
    hosted.close()
    assert after.status == "FAILED" and after.error == "RolledBack", (after.error, after.cause)
    assert after.endpoint and after.endpoint["url"] == f"{server.url}/endpoints/{name}/invocations"
    assert outcomes[500] > 0 and outcomes[200] > outcomes[500], outcomes  # the user's requests met the canary
    assert set(outcomes) == {200, 500}  # and none was dropped
    assert live["EndpointConfigName"] == before.endpoint["live_config"]  # rolled back where it is served
    assert "CloudWatch alarm(s)" in live["FailureReason"]
