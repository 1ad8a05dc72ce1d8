"""Damaged state files: each is named with its path and what is wrong, the other endpoints keep
serving, a host that cannot load an endpoint writes nothing, and `destroy` recovers a case."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from local_runtime import cli, console
from local_runtime.destroy import destroy
from local_runtime.endpoints import EndpointController
from local_runtime.endpoints.store import DamagedRecord, Store
from local_runtime.errors import DamagedState
from stacks.cases import ALL
from tests.local_runtime.test_endpoints_support import (
    add_config,
    create_in_service,
    moons_rows,
    new_controller,
)

ROOT = Path(__file__).resolve().parents[2]
ROW = moons_rows(1)[0].encode()
DAMAGE = {
    "truncated": (lambda text: text[: len(text) // 2], "not valid JSON"),
    "empty": (lambda text: "", "the file is empty"),
    "binary": (lambda text: "\udcff\udcfe", "not UTF-8 text"),
    "a list": (lambda text: "[1, 2]", "expected a JSON object, found a JSON list"),
}


def _damage(path: Path, how: str) -> None:
    text = DAMAGE[how][0](path.read_text())
    tmp = path.with_suffix(".tmp")  # replaced at once: a host polling the folder sees one damage
    tmp.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    os.replace(tmp, path)


def _deployed(workdir: Path) -> None:
    """Two endpoints, `moons` (model v1) and `other` (model v2), recorded in `workdir`."""
    service = new_controller(workdir)
    create_in_service(service, "moons", add_config(service, "v1", w=[1, 0, 0]))
    create_in_service(service, "other", add_config(service, "v2", w=[0, 1, 0]))
    service.close()


def _version(service: EndpointController, endpoint: str) -> str:
    status, body, _ = service.invoke(endpoint, ROW, "text/csv", "application/json")
    assert status == 200, body
    return str(json.loads(body)["version"])


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("kind", ["endpoints", "configs", "models"])
def test_each_kind_of_damage_is_named_and_skipped(tmp_path: Path, kind: str, how: str) -> None:
    _deployed(tmp_path)
    name = {"endpoints": "other", "configs": "v2-config", "models": "v2"}[kind]
    path = tmp_path / "endpoints" / kind / f"{name}.json"
    _damage(path, how)
    service = EndpointController.load(tmp_path)
    try:
        [damaged] = service.damaged()
        assert damaged.path == path and DAMAGE[how][1] in damaged.problem
        assert _version(service, "moons") == "v1"  # the other endpoint serves
    finally:
        service.close()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r.pop("EndpointArn"), "EndpointArn must be a str, found None"),
        (lambda r: r.update(EndpointStatus="Sleeping"), "EndpointStatus 'Sleeping' is not one of"),
        (
            lambda r: r.update(EndpointName="moons"),
            "EndpointName 'moons' does not match the file name 'other'",
        ),
        (lambda r: r.update(CreationTime="yesterday"), "CreationTime 'yesterday' is not an ISO 8601 time"),
    ],
)
def test_wrong_shapes_are_named_field_by_field(tmp_path: Path, change, problem: str) -> None:
    _deployed(tmp_path)
    path = tmp_path / "endpoints" / "endpoints" / "other.json"
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    with pytest.raises(
        DamagedRecord, match="^" + str(path).replace(".", r"\.") + ": .*" + problem.replace("(", r"\(")
    ):
        Store(tmp_path).get("endpoints", "other")


def test_a_model_record_against_the_api_model(tmp_path: Path) -> None:
    _deployed(tmp_path)
    path = tmp_path / "endpoints" / "models" / "v2.json"
    record = json.loads(path.read_text())
    record["PrimaryContainer"]["Image"] = 7
    path.write_text(json.dumps(record))
    with pytest.raises(DamagedRecord, match=r"primaryContainer\.image"):
        Store(tmp_path).get("models", "v2")


def test_a_host_keeps_serving_an_endpoint_whose_record_is_damaged_while_it_serves(tmp_path: Path) -> None:
    _deployed(tmp_path)
    host = EndpointController.load(tmp_path)
    try:
        assert host.refresh() == []
        path = tmp_path / "endpoints" / "endpoints" / "other.json"
        _damage(path, "truncated")
        [change] = host.refresh()
        assert change.startswith(f"damaged record skipped: {path}: not valid JSON")
        assert host.refresh() == []  # named once
        assert (_version(host, "moons"), _version(host, "other")) == ("v1", "v2")  # nothing retired
    finally:
        host.close()


def test_a_host_that_cannot_load_a_model_writes_nothing_and_recovers_when_it_is_fixed(tmp_path: Path) -> None:
    _deployed(tmp_path)
    model = tmp_path / "endpoints" / "models" / "v2.json"
    good = model.read_text()
    _damage(model, "truncated")
    host = EndpointController.load(tmp_path)
    try:
        with pytest.raises(
            Exception,
            match=r"Endpoint other is InService, but this host cannot load its models: .*Could not find",
        ):
            host.invoke("other", ROW, "text/csv", "application/json")
        record = json.loads((tmp_path / "endpoints" / "endpoints" / "other.json").read_text())
        assert record["EndpointStatus"] == "InService" and record["FailureReason"] is None  # not Failed
        model.write_text(good)
        host.refresh()
        assert _version(host, "other") == "v2"  # the next request loads it
    finally:
        host.close()


def test_destroy_removes_one_cases_resources_damaged_ones_included(tmp_path: Path) -> None:
    case = ALL[0]
    service = new_controller(tmp_path)
    ours, theirs = f"{case.short_name}-m1", "elsewhere"
    create_in_service(service, "mine", add_config(service, ours, w=[1, 0, 0]))
    create_in_service(service, "theirs", add_config(service, theirs, w=[0, 1, 0]))
    service.close()
    _damage(tmp_path / "endpoints" / "endpoints" / "mine.json", "empty")
    removed = destroy(case, "mine", tmp_path)
    assert sorted(p.relative_to(tmp_path / "endpoints").as_posix() for p in removed) == [
        f"artifacts/{ours}",
        f"configs/{ours}-config.json",
        "endpoints/mine.json",
        f"models/{ours}.json",
    ]
    left = EndpointController.load(tmp_path)
    try:
        assert left.damaged() == [] and left.endpoint_names() == ["theirs"]
        assert _version(left, "theirs") == theirs
    finally:
        left.close()


def test_a_damaged_service_file_is_a_user_error_naming_it(tmp_path: Path) -> None:
    _deployed(tmp_path)
    path = tmp_path / "endpoints" / "service.json"
    _damage(path, "truncated")
    with pytest.raises(
        console.UserError, match=f"{path}: not valid JSON.*\nRun `python -m local_runtime run"
    ):
        console._controller(tmp_path)


def test_run_json_prints_one_object_when_the_run_cannot_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(case: str, **kwargs: object) -> None:
        raise DamagedState(f"1 state file(s) of {case}'s endpoint cannot be read")

    monkeypatch.setattr(cli, "run_case", refused)
    case = ALL[0].id
    assert cli.main(["run", case, "--json"]) == 2
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "case": case,
        "status": "NOT_STARTED",
        "error": "DamagedState",
        "cause": f"1 state file(s) of {case}'s endpoint cannot be read",
    }


def test_a_damaged_execution_record_is_named(tmp_path: Path) -> None:
    path = tmp_path / "executions" / "x.json"
    path.parent.mkdir()
    path.write_text('{"events": [')
    with pytest.raises(
        console.UserError, match=f"the execution record {path} cannot be read: not valid JSON"
    ):
        console.history(tmp_path, "x")
    path.write_text(json.dumps({"events": [{"id": 1}], "status": "SUCCEEDED", "error": None, "cause": None}))
    with pytest.raises(console.UserError, match="an event lacks its id, type or timestamp"):
        console.history(tmp_path, "x")


def test_serve_names_a_record_damaged_while_it_runs_and_keeps_serving(tmp_path: Path) -> None:
    _deployed(tmp_path)
    code = (
        "import sys; from pathlib import Path; from local_runtime.endpoints.frontend import serve; "
        "serve(Path(sys.argv[1]), 0)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("serving endpoints (moons, other) on http://127.0.0.1:"), line
        host, port = line.rsplit("//", 1)[1].strip().split(":")
        path = tmp_path / "endpoints" / "endpoints" / "moons.json"
        _damage(path, "binary")
        assert proc.stdout.readline().startswith(f"damaged record skipped: {path}: not UTF-8 text")
        for endpoint, version in (("moons", "v1"), ("other", "v2")):
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request(
                "POST", f"/endpoints/{endpoint}/invocations", body=ROW, headers={"Content-Type": "text/csv"}
            )
            assert json.loads(connection.getresponse().read())["version"] == version
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
