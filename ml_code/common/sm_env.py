"""The SageMaker container contract in one place: `/opt/ml` paths and `SM_*` variables.

No other module in ml_code reads `/opt/ml` or the environment. Outside a container the local
runtime points `ML_CODE_OPT_ML` at a per-job folder shaped like `/opt/ml`.
See https://docs.aws.amazon.com/sagemaker/latest/dg/build-your-own-processing-container.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT_ENV = "ML_CODE_OPT_ML"


def opt_ml() -> Path:
    return Path(os.environ.get(ROOT_ENV, "/opt/ml"))


# -- processing jobs -------------------------------------------------------------------------


def processing_input(name: str) -> Path:
    return opt_ml() / "processing" / "input" / name


def processing_output(name: str) -> Path:
    return opt_ml() / "processing" / "output" / name


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
    path = opt_ml() / "input" / "config" / "hyperparameters.json"
    if not path.exists():
        return {}
    return {str(k): str(v) for k, v in json.loads(path.read_text()).items()}


def input_data_config() -> dict[str, dict[str, str]]:
    """Per-channel settings (ContentType, ...) from `input/config/inputdataconfig.json`."""
    path = opt_ml() / "input" / "config" / "inputdataconfig.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def channel_dir(channel: str) -> Path:
    return Path(os.environ.get(f"SM_CHANNEL_{channel.upper()}", opt_ml() / "input" / "data" / channel))


def has_channel(channel: str) -> bool:
    path = channel_dir(channel)
    return path.is_dir() and any(path.iterdir())


def model_dir() -> Path:
    return Path(os.environ.get("SM_MODEL_DIR", opt_ml() / "model"))


def output_data_dir() -> Path:
    return Path(os.environ.get("SM_OUTPUT_DATA_DIR", opt_ml() / "output" / "data"))


def write_failure(reason: str) -> None:
    """SageMaker reports the first 1 KiB of `/opt/ml/output/failure` as the job's FailureReason."""
    if not opt_ml().is_dir():  # not in a container nor a local job: nothing to report to
        return
    path = opt_ml() / "output" / "failure"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reason[:1024])


def num_cpus() -> int:
    return int(os.environ.get("SM_NUM_CPUS", os.cpu_count() or 1))
