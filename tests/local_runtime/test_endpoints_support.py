"""Shared helpers for the endpoint tests (no tests here): a tiny linear model on the moons features,
packaged as SageMaker packages a PyTorch-serving model (`model.tar.gz` with `code/inference.py` and
the modules of ours it imports)."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_runtime.endpoints import AlarmSpec, EndpointController, ScaledClock
from local_runtime.s3 import LocalS3

DATA = Path(__file__).resolve().parents[2] / "data"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6-cpu-py312"
REPO = Path(__file__).resolve().parents[2]
# What `code/inference.py` imports of ours, shipped in the artifact as training would bundle it.
SHIPPED = ("ml_code/__init__.py", "ml_code/common/__init__.py", "ml_code/common/errors.py")
ROLE = "arn:aws:iam::000000000000:role/local"

INFERENCE_PY = """
import json, time
from pathlib import Path
from ml_code.common.errors import BadRequest

def model_fn(model_dir):
    return json.loads((Path(model_dir) / "params.json").read_text())

def input_fn(body, content_type):
    if content_type != "text/csv":
        raise BadRequest(f"unsupported content type {content_type!r}: send text/csv", status=415)
    rows = []
    for number, line in enumerate(body.decode().splitlines(), start=1):
        fields = line.split(",")
        if len(fields) != 2:
            raise BadRequest(f"row {number}: expected 2 columns (x1,x2), got {len(fields)}")
        try:
            rows.append([float(field) for field in fields])
        except ValueError:
            raise BadRequest(f"row {number}: non-numeric value in {line!r}") from None
    return rows

def predict_fn(rows, model):
    if model["mode"] == "fail":
        raise RuntimeError("weights are corrupt")
    time.sleep(model.get("sleep", 0.0))
    w1, w2, b = model["w"]
    return {"version": model["version"], "scores": [w1 * x1 + w2 * x2 + b for x1, x2 in rows]}

def output_fn(prediction, accept):
    if accept != "application/json":
        raise BadRequest(f"unsupported accept {accept!r}: use application/json", status=406)
    return json.dumps(prediction).encode()
"""

ERRORS_ALARM = AlarmSpec("errors", "Invocation5XXErrors", "Sum", 0, "GreaterThanThreshold", 60, 1)
LATENCY_ALARM = AlarmSpec("latency", "ModelLatency", "p99", 20_000, "GreaterThanThreshold", 60, 2, 2)
GUARDRAILS = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 300,
        },
        "TerminationWaitInSeconds": 120,
        "MaximumExecutionTimeoutInSeconds": 1800,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}, {"AlarmName": "latency"}]},
}
TIME_SCALE = 0.002  # with a ScaledClock: 60 s periods last 0.12 s, the 300 s canary bake 0.6 s


def moons_rows(count: int) -> list[str]:
    """`x1,x2` request rows from the bundled moons test set (label column dropped)."""
    lines = (DATA / "moons" / "test.csv").read_text().splitlines()[:count]
    return [line.split(",", 1)[1] for line in lines]


def write_model(s3: LocalS3, name: str, **params: Any) -> str:
    """Package a model archive the way SageMaker stores a trained PyTorch model; returns its S3 URI."""
    uri = f"s3://artifacts/models/{name}/model.tar.gz"
    path = s3.path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    members = {"params.json": json.dumps({"mode": "ok", **params}), "code/inference.py": INFERENCE_PY}
    members |= {f"code/{name}": (REPO / name).read_text() for name in SHIPPED}
    with tarfile.open(path, "w:gz") as archive:
        for member, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return uri


def add_config(
    service: EndpointController, name: str, instances: int = 4, capture: dict | None = None, **params: Any
) -> str:
    """A model (version `name`) and a one-variant endpoint config named `<name>-config`."""
    service.create_model(
        {
            "ModelName": name,
            "ExecutionRoleArn": ROLE,
            "PrimaryContainer": {
                "Image": IMAGE,
                "ModelDataUrl": write_model(service.s3, name, version=name, **params),
                "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
            },
        }
    )
    config = f"{name}-config"
    service.create_endpoint_config(
        {
            "EndpointConfigName": config,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": name,
                    "InitialInstanceCount": instances,
                    "InstanceType": "ml.m5.large",
                    "InitialVariantWeight": 1.0,
                }
            ],
            **({"DataCaptureConfig": capture} if capture else {}),
        }
    )
    return config


def new_controller(workdir: Path, **kwargs: Any) -> EndpointController:
    kwargs.setdefault("alarms", {"errors": ERRORS_ALARM, "latency": LATENCY_ALARM})
    kwargs.setdefault("clock", ScaledClock(TIME_SCALE))
    return EndpointController(workdir, LocalS3(workdir / "s3"), **kwargs)


def create_in_service(service: EndpointController, endpoint: str, config: str) -> None:
    service.create_endpoint({"EndpointName": endpoint, "EndpointConfigName": config})
    assert service.wait(endpoint, timeout=30) == "InService", service.describe_endpoint(
        {"EndpointName": endpoint}
    )


class Clients:
    """Client threads invoking the endpoint in a loop: every outcome is counted, nothing dropped silently."""

    def __init__(self, service: EndpointController, endpoint: str, threads: int = 4) -> None:
        self.service, self.endpoint = service, endpoint
        self.outcomes: Counter[tuple[int, str]] = Counter()  # (status, model version or error code)
        self.exceptions: list[BaseException] = []
        self._stop = threading.Event()
        self._counted = threading.Condition()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, index: int) -> None:
        rows = moons_rows(20)
        sent = 0
        while not self._stop.is_set():
            body = "\n".join(rows[(index + sent) % 20 : (index + sent) % 20 + 2]).encode() or rows[0].encode()
            try:
                status, payload, _ = self.service.invoke(self.endpoint, body, "text/csv", "application/json")
                tag = (
                    json.loads(payload).get("version") if status == 200 else json.loads(payload)["ErrorCode"]
                )
                with self._counted:
                    self.outcomes[(status, tag)] += 1
                    self._counted.notify_all()
            except BaseException as exc:
                self.exceptions.append(exc)
            sent += 1
            self._stop.wait(0.002)  # a client's pace, not a wait for the service

    def total(self) -> int:
        with self._counted:
            return sum(self.outcomes.values())

    def wait_until(self, predicate: Callable[[Counter[tuple[int, str]]], bool], timeout: float = 30) -> None:
        """Block until the outcomes so far satisfy `predicate` (real seconds)."""
        with self._counted:
            if not self._counted.wait_for(lambda: predicate(self.outcomes), timeout):
                raise TimeoutError(f"the clients never saw what was expected: {dict(self.outcomes)}")

    def __enter__(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
