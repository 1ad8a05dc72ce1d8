"""Shared fixtures for local_runtime tests: a LocalS3 tree, a LocalSageMaker, and toy job code;
and, once per session, the quick app's synth and each case's first end-to-end run.

The toy scripts are real programs run in subprocesses under the container contract; they stay
tiny (no torch import) so state-machine tests run in seconds.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker
from local_runtime.sagemaker.progress import ProgressEvent

if TYPE_CHECKING:  # the CDK app loads only for the end-to-end fixtures, not for every unit test
    from local_runtime.pipeline import CaseRun

BUCKET = "local-bucket"
PYTORCH_TRAINING = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310"
PYTORCH_INFERENCE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-cpu-py310"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

# Script-mode training: reads the `train` channel, scores `1 - |lr - 0.3|`, writes a model file.
TOY_TRAIN = """
import argparse, json, os, pathlib, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--fail", default="no")
parser.add_argument("--sleep", type=float, default=0.0)
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
args = parser.parse_args()
time.sleep(args.sleep)
if args.fail == "yes":
    pathlib.Path(os.environ["SM_OUTPUT_DIR"], "failure").write_text("ValueError: asked to fail")
    sys.exit(1)
rows = [float(x) for x in pathlib.Path(args.train, "numbers.csv").read_text().split()]
model = {"lr": args.lr, "mean": sum(rows) / len(rows)}
pathlib.Path(args.model_dir, "model.json").write_text(json.dumps(model))
pathlib.Path(os.environ["SM_OUTPUT_DATA_DIR"], "notes.txt").write_text("trained")
print("hps", os.environ["SM_HPS"], "cpus", os.environ["SM_NUM_CPUS"])
print(f"epoch 1 validation:accuracy={1 - abs(args.lr - 0.3) - 0.1:.4f};")
print(f"epoch 2 validation:accuracy={1 - abs(args.lr - 0.3):.4f};", file=sys.stderr)
"""

# Processing: sums the numbers of the `data` input into <output>/total.json.
TOY_PROCESS = """
import json, pathlib, sys
data = pathlib.Path(sys.argv[1])
numbers = [float(x) for f in sorted(data.glob("*.csv")) for x in f.read_text().split()]
out = pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
(out / "total.json").write_text(json.dumps({"metrics": {"total": sum(numbers)}, "python": sys.executable}))
"""

# Inference handlers (the SageMaker inference toolkit's four functions) for transform jobs.
TOY_HANDLER = """
import json, os
def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as fh:
        return json.load(fh)
def input_fn(body, content_type):
    assert content_type == "text/csv", content_type
    text = body.decode() if isinstance(body, bytes) else body
    return [float(line) for line in text.splitlines()]
def predict_fn(data, model):
    if any(x < 0 for x in data):
        raise ValueError("negative input")
    return [x * model["scale"] for x in data]
def output_fn(prediction, accept):
    return "".join(json.dumps({"score": p}) + "\\n" for p in prediction)
"""


def tar_gz(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def local_s3(tmp_path: Path) -> LocalS3:
    """A LocalS3 with the toy code and data under s3://local-bucket/."""
    s3 = LocalS3(tmp_path / "s3")
    bucket = s3.root / BUCKET
    (bucket / "data").mkdir(parents=True)
    (bucket / "data" / "numbers.csv").write_text("1\n2\n3.5\n")
    (bucket / "code").mkdir()
    (bucket / "code" / "process.py").write_text(TOY_PROCESS)
    (bucket / "code" / "sourcedir.tar.gz").write_bytes(
        tar_gz({"train.py": TOY_TRAIN, "handler.py": TOY_HANDLER})
    )
    return s3


@pytest.fixture
def progress_events() -> list[ProgressEvent]:
    return []


@pytest.fixture
def local_sagemaker(
    tmp_path: Path, local_s3: LocalS3, progress_events: list[ProgressEvent]
) -> LocalSageMaker:
    return LocalSageMaker(
        tmp_path / "work",
        local_s3,
        region="us-east-1",
        progress=progress_events.append,
        heartbeat_seconds=0.2,
    )


@pytest.fixture(scope="session")
def e2e_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real app with each case's quick settings, synthesized once per session."""
    from tests.local_runtime.e2e_app import fast_cases, synth

    return synth(tmp_path_factory.mktemp("e2e") / "cdk.out", fast_cases())


@pytest.fixture(scope="session")
def e2e_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workdir")


@pytest.fixture(scope="session")
def first_run(e2e_assembly: Path, e2e_workdir: Path) -> Callable[[str], CaseRun]:
    """Each case's first run in the shared workdir (it creates the endpoint), run once per session
    however many tests look at it: the e2e checks and the report's browser test share it."""
    from local_runtime.pipeline import run_case

    runs: dict[str, CaseRun] = {}

    def run(case: str) -> CaseRun:
        if case not in runs:
            runs[case] = run_case(case, workdir=e2e_workdir, assembly_dir=e2e_assembly)
        return runs[case]

    return run
