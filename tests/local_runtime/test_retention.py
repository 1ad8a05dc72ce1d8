"""Retention: each case keeps its last N executions whole, older ones go except the run folder a live
endpoint serves its model from; capture keeps its newest files up to a size per endpoint."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_runtime import reaper, retention
from local_runtime.endpoints.store import Store
from local_runtime.sagemaker.registry import EXECUTION_FILE
from stacks.cases import ALL

CASE, OTHER = ALL[0], ALL[1]
BUCKET = "artifacts"
ROLE = "arn:aws:iam::000000000000:role/local"
LIVE_MODEL = f"{CASE.short_name}-m1"


def _execution(workdir: Path, case_id: str, name: str, when: float, size: int = 1000) -> Path:
    run = workdir / "s3" / BUCKET / "runs" / case_id / name
    (run / "train" / "model").mkdir(parents=True)
    (run / "train" / "model" / "model.tar.gz").write_bytes(b"x" * size)
    (workdir / "reports").mkdir(exist_ok=True)
    (workdir / "reports" / f"{name}.html").write_text("report")
    (workdir / "executions").mkdir(exist_ok=True)
    (workdir / "executions" / f"{name}.json").write_text("{}")
    for path in (run, run / "train", run / "train" / "model"):
        os.utime(path, (when, when))
    return run


def _model(workdir: Path, name: str, model_url: str) -> None:
    record = {
        "ModelName": name,
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": "img", "ModelDataUrl": model_url},
        "ModelArn": f"arn:{name}",
        "CreationTime": datetime.now(UTC),
    }
    Store(workdir).put("models", name, record)


def _live(workdir: Path, model_url: str) -> None:
    store, now = Store(workdir), datetime.now(UTC)
    _model(workdir, LIVE_MODEL, model_url)
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": LIVE_MODEL,
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    store.put(
        "configs",
        "c1",
        {
            "EndpointConfigName": "c1",
            "ProductionVariants": [variant],
            "EndpointConfigArn": "arn:c1",
            "CreationTime": now,
        },
    )
    record = {
        "EndpointName": "e1",
        "EndpointArn": "arn:e1",
        "EndpointConfigName": "c1",
        "EndpointStatus": "InService",
        "CreationTime": now,
        "LastModifiedTime": now,
    }
    store.put("endpoints", "e1", record)


def test_old_executions_go_except_what_a_live_endpoint_serves(tmp_path: Path) -> None:
    runs = {
        name: _execution(tmp_path, CASE.id, name, when)
        for name, when in (("a", 100), ("b", 200), ("c", 300), ("d", 400))
    }
    other = _execution(tmp_path, OTHER.id, "z", 50)  # another case: its own count
    _live(tmp_path, f"s3://{BUCKET}/runs/{CASE.id}/a/train/model/model.tar.gz")
    jobs = {}
    for execution in ("b", "c", None):  # a job of b (pruned), of c (kept), and one from before markers
        job = jobs[execution] = tmp_path / "jobs" / f"{CASE.short_name}-job-{execution}"
        job.mkdir(parents=True)
        if execution is not None:
            (job / EXECUTION_FILE).write_text(execution)
    unpacked = {
        name: tmp_path / "endpoints" / "artifacts" / name for name in (LIVE_MODEL, f"{CASE.short_name}-m0")
    }
    for folder in unpacked.values():  # one is live; the other, b's model, no longer served
        folder.mkdir(parents=True)
    _model(tmp_path, f"{CASE.short_name}-m0", f"s3://{BUCKET}/runs/{CASE.id}/b/train/model/model.tar.gz")
    running = _execution(tmp_path, CASE.id, "e", 50)  # oldest, but another run is still running it
    (tmp_path / "executions" / "e.json").write_text(
        json.dumps({"status": "RUNNING", "events": [], "process": reaper.this_process()})
    )

    pruned = retention.prune(tmp_path, [CASE, OTHER], keep=2)

    assert pruned.executions == ["b"]  # a: the live model's; c, d: the last two; z: its case's last
    assert not runs["b"].exists() and not (tmp_path / "reports" / "b.html").exists()
    assert not (tmp_path / "executions" / "b.json").exists()
    assert all(runs[n].exists() for n in "acd") and other.exists()
    assert not jobs["b"].exists() and jobs["c"].exists() and jobs[None].exists()
    assert unpacked[LIVE_MODEL].exists() and not unpacked[f"{CASE.short_name}-m0"].exists()
    assert running.exists()
    assert pruned.bytes >= 1000 and "pruned 1 old execution(s)" in str(pruned)


def test_capture_keeps_its_newest_files_up_to_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = (
        tmp_path / "s3" / BUCKET / "datacapture" / CASE.id / "e1" / "AllTraffic" / "2026" / "12" / "01" / "05"
    )
    folder.mkdir(parents=True)
    for minute in range(10):
        path = folder / f"{minute:02d}-00-000-x.jsonl"
        path.write_bytes(b"r" * 1000)
        os.utime(path, (1000 + minute, 1000 + minute))
    monkeypatch.setattr(retention, "CAPTURE_KEEP_BYTES", 3500)
    retention.prune(tmp_path, [], keep=5)
    assert sorted(p.name[:2] for p in folder.iterdir()) == ["07", "08", "09"]


def test_nothing_is_pruned_while_a_record_is_damaged(tmp_path: Path) -> None:
    old = _execution(tmp_path, CASE.id, "a", 100)
    _execution(tmp_path, CASE.id, "b", 200)
    (tmp_path / "endpoints" / "endpoints").mkdir(parents=True)
    (tmp_path / "endpoints" / "endpoints" / "e1.json").write_text("{")  # which model is live: unknown
    pruned = retention.prune(tmp_path, [CASE], keep=1)
    assert old.exists() and pruned.executions == [] and "1 damaged state file(s)" in str(pruned)
    with pytest.raises(ValueError, match="keep at least the last execution"):
        retention.prune(tmp_path, [CASE], keep=0)
