"""A sixth case study is one object, its code and its data: defined under tests/local_runtime/
sixth_case/ (nothing else names it), it synthesizes, runs its state machine locally (processing job,
training, gate, endpoint) and serves, with no edit anywhere else in the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.endpoints.controller import EndpointController
from local_runtime.pipeline import run_case
from tests.local_runtime.e2e_app import synth
from tests.local_runtime.sixth_case.case import DATA_DIR, TINY_CLUSTERS

pytestmark = pytest.mark.slow


def test_a_sixth_case_runs_end_to_end(tmp_path: Path) -> None:
    app = synth(tmp_path / "cdk.out", (TINY_CLUSTERS,))
    assert (app / "mlcases-dev-tiny-clusters.template.json").is_file()  # named as `cdk ls` prints it
    run = run_case(TINY_CLUSTERS, workdir=tmp_path / "work", assembly_dir=app, data_dir=DATA_DIR)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    visited = [s["state"] for s in run.states]
    assert visited[:4] == ["Start", "ResolveConfig", "Preprocess", "TrainKmeans"]
    assert {"QualityGatePassed", "CreateEndpoint", "Deployed"} <= set(visited)
    assert run.metrics["train:msd"] < TINY_CLUSTERS.gate.threshold
    assert (
        run.endpoint and run.endpoint["name"] == "mlcases-dev-tiny" and run.endpoint["status"] == "InService"
    )
    service = EndpointController.load(tmp_path / "work")
    try:
        status, body, _ = service.invoke(
            "mlcases-dev-tiny", b"5.1,4.9\n-0.2,0.1", "text/csv", "application/json"
        )
    finally:
        service.close()
    clusters = [p["closest_cluster"] for p in json.loads(body)["predictions"]]
    assert status == 200 and len(set(clusters)) == 2  # the two blobs land in different clusters
