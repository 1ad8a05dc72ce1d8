"""Data capture: sampled requests and responses written as Model Monitor's JSON lines in local S3."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from local_runtime.endpoints import capture
from tests.local_runtime.test_endpoints_support import (
    add_config,
    create_in_service,
    moons_rows,
    new_controller,
)

CAPTURE = {
    "EnableCapture": True,
    "InitialSamplingPercentage": 100,
    "DestinationS3Uri": "s3://artifacts/datacapture/moons",
    "KmsKeyId": "arn:aws:kms:us-east-1:000000000000:key/local",
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"], "JsonContentTypes": ["application/json"]},
}


def _records(root: Path) -> list[tuple[Path, dict]]:
    return [
        (path, json.loads(line))
        for path in sorted(root.rglob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_every_answered_request_is_captured_with_its_response(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    create_in_service(service, "moons", add_config(service, "v1", capture=CAPTURE, w=[1.0, 1.0, 0.0]))
    rows = moons_rows(5)
    answers = [service.invoke("moons", row.encode(), "text/csv", "application/json")[1] for row in rows]
    service.invoke("moons", b"a,b", "text/csv", "application/json")  # a 400: not captured
    described = service.describe_endpoint({"EndpointName": "moons"})["DataCaptureConfig"]
    assert described == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 100,
        "DestinationS3Uri": CAPTURE["DestinationS3Uri"],
        "KmsKeyId": CAPTURE["KmsKeyId"],
    }
    service.close()  # flushes what the background writer has not written yet

    root = service.s3.path("s3://artifacts/datacapture/moons")
    records = _records(root)
    assert [r["captureData"]["endpointInput"]["data"] for _, r in records] == rows
    assert [r["captureData"]["endpointOutput"]["data"].encode() for _, r in records] == answers
    path, first = records[0]
    assert first["captureData"]["endpointInput"] == {
        "observedContentType": "text/csv",
        "mode": "INPUT",
        "data": rows[0],
        "encoding": "CSV",
    }
    assert first["captureData"]["endpointOutput"]["encoding"] == "JSON" and first["eventVersion"] == "0"
    hour = first["eventMetadata"]["inferenceTime"]
    assert path.parent.relative_to(root).parts == (
        "moons",
        "AllTraffic",
        hour[:4],
        hour[5:7],
        hour[8:10],
        hour[11:13],
    )


def test_sampling_and_modes(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    inputs_only = {**CAPTURE, "CaptureOptions": [{"CaptureMode": "Input"}], "CaptureContentTypeHeader": {}}
    create_in_service(service, "moons", add_config(service, "v1", capture=inputs_only, w=[1.0, 1.0, 0.0]))
    create_in_service(
        service,
        "off",
        add_config(service, "v2", capture={**CAPTURE, "InitialSamplingPercentage": 0}, w=[1.0, 1.0, 0.0]),
    )
    for row in moons_rows(3):
        service.invoke("moons", row.encode(), "text/csv", "application/json")
        service.invoke("off", row.encode(), "text/csv", "application/json")
    service.close()
    records = _records(service.s3.path("s3://artifacts/datacapture/moons"))
    assert len(records) == 3 and {p.relative_to(service.s3.root).parts[3] for p, _ in records} == {"moons"}
    assert all(set(r["captureData"]) == {"endpointInput"} for _, r in records)
    assert (
        records[0][1]["captureData"]["endpointInput"]["encoding"] == "BASE64"
    )  # text/csv not declared as CSV


def test_sampling_follows_the_percentage_and_objects_rotate_by_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture, "MAX_FILE_BYTES", 20_000)  # ~25 records per object
    random.seed(11)
    service = new_controller(tmp_path)
    sampled = {**CAPTURE, "InitialSamplingPercentage": 30}
    create_in_service(service, "moons", add_config(service, "v1", capture=sampled, w=[1.0, 1.0, 0.0]))
    rows = moons_rows(20)
    for index in range(2000):
        service.invoke("moons", rows[index % 20].encode(), "text/csv", "application/json")
        if index % 200 == 0:
            service.endpoint("moons").fleets[0]._capture._gather(force=False)  # as the writer thread does
    service.close()
    root = service.s3.path("s3://artifacts/datacapture/moons")
    records = _records(root)
    assert abs(len(records) - 600) < 4 * (2000 * 0.3 * 0.7) ** 0.5  # 30% of 2000, within 4 sd
    objects = sorted(root.rglob("*.jsonl"))
    sizes = [path.stat().st_size for path in objects]
    assert max(sizes) <= 20_000  # a new object starts before one would pass the limit
    # objects are filled: only the last of an hour folder (two at an hour's turn) may be short
    assert len(objects) > sum(sizes) // 20_000 and sum(size < 15_000 for size in sizes) <= 2
