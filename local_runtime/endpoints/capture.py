"""Endpoint data capture, as Model Monitor reads it: sampled requests and responses as JSON lines under
`<DestinationS3Uri>/<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/` in local S3
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html).

Records are queued on the request path and gathered by a background thread, so capturing adds no file
I/O to an invocation. Each hour folder's records are written as whole objects, a new one once
MAX_FILE_BYTES or ROTATE_SECONDS is reached (and when the endpoint stops), not one per second.
`InitialSamplingPercentage` decides which requests are captured; only answered requests (200) are.
Local files are not KMS-encrypted; `local_runtime.retention` caps what they use per endpoint.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local_runtime.s3 import LocalS3
from ml_code.common.io import write_text

LOG = logging.getLogger(__name__)
GATHER_SECONDS = 1.0
MAX_FILE_BYTES = 8 * 1024 * 1024  # one capture object at most, before a new one starts
ROTATE_SECONDS = 60.0  # and at most this old


@dataclass
class _Pending:
    started: float
    lines: list[str] = field(default_factory=list)
    size: int = 0


def _encoded(body: bytes, content_type: str, types: dict[str, list[str]]) -> tuple[str, str]:
    media = content_type.split(";", 1)[0].strip()
    for encoding, key in (("CSV", "CsvContentTypes"), ("JSON", "JsonContentTypes")):
        if media in types.get(key, []):
            try:
                return body.decode("utf-8"), encoding
            except UnicodeDecodeError:
                break
    return base64.b64encode(body).decode(), "BASE64"


class Capture:
    def __init__(self, s3: LocalS3, endpoint: str, variant: str, config: dict[str, Any]) -> None:
        self._s3, self._prefix = s3, f"{config['DestinationS3Uri'].rstrip('/')}/{endpoint}/{variant}"
        self._share = float(config.get("InitialSamplingPercentage", 100)) / 100
        modes = {o["CaptureMode"] for o in config.get("CaptureOptions", [])} or {"Input", "Output"}
        self._input, self._output = "Input" in modes, "Output" in modes
        self._types = config.get("CaptureContentTypeHeader", {})
        self._queue: deque[tuple[datetime, dict[str, Any]]] = deque()
        self._pending: dict[str, _Pending] = {}  # hour folder -> the object being gathered
        self._writing = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{endpoint}-{variant}", daemon=True)
        self._thread.start()
        atexit.register(self.flush)  # a run's last second of traffic must not die with its daemon thread

    @classmethod
    def for_config(cls, s3: LocalS3, endpoint: str, variant: str, config: dict[str, Any]) -> Capture | None:
        capture = config.get("DataCaptureConfig") or {}
        if not capture.get("EnableCapture", True) or "DestinationS3Uri" not in capture:
            return None
        return cls(s3, endpoint, variant, capture)

    def record(self, body: bytes, content_type: str, output: bytes, output_type: str) -> None:
        if self._share < 1 and random.random() >= self._share:
            return
        data: dict[str, Any] = {}
        if self._input:
            text, encoding = _encoded(body, content_type, self._types)
            data["endpointInput"] = {
                "observedContentType": content_type,
                "mode": "INPUT",
                "data": text,
                "encoding": encoding,
            }
        if self._output:
            text, encoding = _encoded(output, output_type, self._types)
            data["endpointOutput"] = {
                "observedContentType": output_type,
                "mode": "OUTPUT",
                "data": text,
                "encoding": encoding,
            }
        self._queue.append((datetime.now(UTC), data))

    def _write(self, hour: str) -> int:
        """Write the hour's pending object; it stays pending if the write fails (tried again later)."""
        pending = self._pending[hour]
        name = f"{datetime.now(UTC).strftime('%M-%S-%f')[:-3]}-{uuid.uuid4()}.jsonl"
        write_text(self._s3.path(f"{self._prefix}/{hour}/{name}"), "".join(pending.lines))
        del self._pending[hour]
        return len(pending.lines)

    def _gather(self, force: bool) -> int:
        """Move queued records into their hour's pending object, writing an object before it would
        pass MAX_FILE_BYTES; then write those old enough (all of them if `force`). Returns the
        number of records written."""
        written = 0
        while self._queue:
            at, data = self._queue.popleft()
            meta = {
                "eventId": str(uuid.uuid4()),
                "inferenceTime": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            }
            line = json.dumps({"captureData": data, "eventMetadata": meta, "eventVersion": "0"}) + "\n"
            hour = at.strftime("%Y/%m/%d/%H")
            pending = self._pending.get(hour)
            if pending is not None and pending.size + len(line) > MAX_FILE_BYTES:
                written += self._write(hour)
                pending = None
            if pending is None:
                pending = self._pending[hour] = _Pending(time.monotonic())
            pending.lines.append(line)
            pending.size += len(line)
        for hour, pending in list(self._pending.items()):
            if force or time.monotonic() - pending.started >= ROTATE_SECONDS:
                written += self._write(hour)
        return written

    def flush(self) -> int:
        """Write everything captured so far; returns the number of records written."""
        with self._writing:
            return self._gather(force=True)

    def _run(self) -> None:
        while not self._stop.wait(GATHER_SECONDS):
            try:
                with self._writing:
                    self._gather(force=False)
            except OSError:  # e.g. a full disk: keep the records, try again next time
                LOG.exception("data capture for %s could not write", self._prefix)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.flush()
        atexit.unregister(self.flush)


def describe(config: dict[str, Any]) -> dict[str, Any] | None:
    """DescribeEndpoint's DataCaptureConfig for the live endpoint config."""
    capture = config.get("DataCaptureConfig") or {}
    if not capture.get("EnableCapture", True) or "DestinationS3Uri" not in capture:
        return None
    described = {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": capture.get("InitialSamplingPercentage", 100),
        "DestinationS3Uri": capture["DestinationS3Uri"],
    }
    return {**described, **({"KmsKeyId": capture["KmsKeyId"]} if "KmsKeyId" in capture else {})}
