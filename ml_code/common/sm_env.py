"""The SageMaker container contract in one place: `/opt/ml` paths and `SM_*` variables.

No other module in ml_code reads `/opt/ml` or the environment. Outside a container the local
runtime points `ML_CODE_OPT_ML` at a per-job folder shaped like `/opt/ml`.
See https://docs.aws.amazon.com/sagemaker/latest/dg/build-your-own-processing-container.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "ML_CODE_OPT_ML"


def opt_ml() -> Path:
    return Path(os.environ.get(ROOT_ENV, "/opt/ml"))


@dataclass(frozen=True)
class JobFolder:
    """The `/opt/ml` layout of a SageMaker job with its root as a parameter (as GluonTS's SageMaker
    shim does with its paths object): the container's own `/opt/ml`, a local job's folder, a test's or
    a benchmark's. The one place that knows the layout; the local runtime, `bench/` and the tests
    build and read job folders through it."""

    root: Path = Path("/opt/ml")

    @classmethod
    def current(cls) -> JobFolder:
        return cls(opt_ml())

    @property
    def config(self) -> Path:
        return self.root / "input" / "config"

    def channel(self, name: str) -> Path:
        return self.root / "input" / "data" / name

    @property
    def model(self) -> Path:
        return self.root / "model"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def output_data(self) -> Path:
        return self.output / "data"

    @property
    def failure(self) -> Path:
        return self.output / "failure"

    def processing_input(self, name: str) -> Path:
        return self.root / "processing" / "input" / name

    def processing_output(self, name: str) -> Path:
        return self.root / "processing" / "output" / name

    def write_training_config(
        self, hyperparameters: Mapping[str, object], channels: Mapping[str, Mapping[str, str]]
    ) -> JobFolder:
        """What SageMaker writes before a training job starts: `hyperparameters.json` (every value a
        string), `inputdataconfig.json` (per channel: ContentType, ...), `resourceconfig.json` (one
        host), and an empty folder per channel for its data."""
        self.config.mkdir(parents=True, exist_ok=True)
        for name, value in (
            ("hyperparameters.json", {str(k): str(v) for k, v in hyperparameters.items()}),
            ("inputdataconfig.json", {name: dict(settings) for name, settings in channels.items()}),
            ("resourceconfig.json", {"current_host": "algo-1", "hosts": ["algo-1"]}),
        ):
            (self.config / name).write_text(json.dumps(value))
        for name in channels:
            self.channel(name).mkdir(parents=True, exist_ok=True)
        return self

    @contextlib.contextmanager
    def active(self) -> Iterator[JobFolder]:
        """Run ml_code in this process as if this folder were `/opt/ml` (benchmarks and tests)."""
        previous = os.environ.get(ROOT_ENV)
        os.environ[ROOT_ENV] = str(self.root)
        try:
            yield self
        finally:
            if previous is None:
                os.environ.pop(ROOT_ENV, None)
            else:
                os.environ[ROOT_ENV] = previous


# -- processing jobs -------------------------------------------------------------------------


def processing_input(name: str) -> Path:
    return JobFolder.current().processing_input(name)


def processing_output(name: str) -> Path:
    return JobFolder.current().processing_output(name)


def parse_dir_overrides(pairs: list[str] | None) -> dict[str, Path]:
    """`["raw=/tmp/x", ...]` from `--input-dir raw=/tmp/x` into `{"raw": Path("/tmp/x")}`."""
    out: dict[str, Path] = {}
    for pair in pairs or []:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"expected NAME=PATH, got {pair!r}")
        out[name] = Path(path)
    return out


class ProcessingDirs:
    """Input and output folders of a processing job, with command-line overrides applied."""

    def __init__(self, inputs: list[str] | None = None, outputs: list[str] | None = None) -> None:
        self._inputs = parse_dir_overrides(inputs)
        self._outputs = parse_dir_overrides(outputs)

    def input(self, name: str) -> Path:
        return self._inputs.get(name) or processing_input(name)

    def output(self, name: str) -> Path:
        path = self._outputs.get(name) or processing_output(name)
        path.mkdir(parents=True, exist_ok=True)
        return path


# -- training jobs ---------------------------------------------------------------------------


def hyperparameters() -> dict[str, str]:
    path = JobFolder.current().config / "hyperparameters.json"
    if not path.exists():
        return {}
    return {str(k): str(v) for k, v in json.loads(path.read_text()).items()}


def input_data_config() -> dict[str, dict[str, str]]:
    """Per-channel settings (ContentType, ...) from `input/config/inputdataconfig.json`."""
    path = JobFolder.current().config / "inputdataconfig.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def channel_dir(channel: str) -> Path:
    return Path(os.environ.get(f"SM_CHANNEL_{channel.upper()}", JobFolder.current().channel(channel)))


def has_channel(channel: str) -> bool:
    path = channel_dir(channel)
    return path.is_dir() and any(path.iterdir())


def model_dir() -> Path:
    return Path(os.environ.get("SM_MODEL_DIR", JobFolder.current().model))


def output_data_dir() -> Path:
    return Path(os.environ.get("SM_OUTPUT_DATA_DIR", JobFolder.current().output_data))


def write_failure(reason: str) -> None:
    """SageMaker reports the first 1 KiB of `/opt/ml/output/failure` as the job's FailureReason."""
    job = JobFolder.current()
    if not job.root.is_dir():  # not in a container nor a local job: nothing to report to
        return
    job.failure.parent.mkdir(parents=True, exist_ok=True)
    job.failure.write_text(reason[:1024])


def num_cpus() -> int:
    return int(os.environ.get("SM_NUM_CPUS", os.cpu_count() or 1))
