"""Loads a SageMaker model's inference handlers in-process, as its serving container would.

Built-in algorithm images map to `ml_code.builtin.<algo>` (see `local_runtime.images`); framework
images run the user's script named by `SAGEMAKER_PROGRAM`, with its code from
`SAGEMAKER_SUBMIT_DIRECTORY` (a `sourcedir.tar.gz`) or, as the PyTorch serving container does, from
`code/` inside the model archive
(https://sagemaker.readthedocs.io/en/stable/frameworks/pytorch/using_pytorch.html#bring-your-own-model).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local_runtime import images
from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3

HANDLERS = ("model_fn", "input_fn", "predict_fn", "output_fn")
CONTAINER_CODE_DIR = "/opt/ml/model/code"  # what the SageMaker SDK sets when the code is in the model tar
_import_lock = threading.Lock()


@dataclass(frozen=True)
class Handlers:
    model_fn: Callable[[str], Any]
    input_fn: Callable[[bytes, str], Any]
    predict_fn: Callable[[Any, Any], Any]
    output_fn: Callable[[Any, str], bytes]
    default_accept: str


def _unpack(s3: LocalS3, uri: str, dest: Path) -> Path:
    """Extract a `.tar.gz` object (or copy a prefix) once into `dest`; later fleets reuse it."""
    if (dest / ".complete").exists():
        return dest
    try:
        src = s3.path(uri)
    except ValueError as exc:
        raise SageMakerError("ValidationException", str(exc)) from None
    if not src.exists():
        raise SageMakerError("ValidationException", f"Could not access model data at {uri}: no such object.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        if src.is_dir():
            shutil.copytree(src, tmp, dirs_exist_ok=True)
        else:
            try:
                with tarfile.open(src) as archive:
                    archive.extractall(tmp, filter="data")
            except (tarfile.TarError, OSError) as exc:
                raise SageMakerError(
                    "ValidationException", f"{uri} is not a valid tar.gz archive: {exc}"
                ) from None
        (tmp / ".complete").touch()
        if not (dest / ".complete").exists():  # another process may have finished first
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _script_module(model_name: str, code_dir: Path, program: str) -> ModuleType:
    if code_dir.is_dir() and str(code_dir) not in sys.path:  # the script's imports resolve against it
        sys.path.insert(0, str(code_dir))
    if not program.endswith(".py"):  # a module name, e.g. `ml_code.moon_classification.inference`
        return importlib.import_module(program)
    script = code_dir / program
    if not script.is_file():
        raise SageMakerError("ValidationException", f"SAGEMAKER_PROGRAM {program!r} not found in {code_dir}")
    # a unique module name per model: two versions of `inference.py` must not share sys.modules
    name = "_local_endpoint_" + re.sub(r"\W", "_", f"{model_name}_{Path(program).stem}")
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_handlers(model: dict[str, Any], s3: LocalS3, artifacts: Path) -> tuple[Handlers, str]:
    """The model's handlers and its extracted model directory (what `model_fn` receives)."""
    name = model["ModelName"]
    container = model.get("PrimaryContainer") or model["Containers"][0]
    env: dict[str, str] = container.get("Environment", {})
    model_dir = artifacts / name / "model"
    if container.get("ModelDataUrl"):
        _unpack(s3, container["ModelDataUrl"], model_dir)
    else:
        model_dir.mkdir(parents=True, exist_ok=True)
    image = images.resolve(container["Image"])
    try:
        with _import_lock:
            if image.builtin_module is not None:
                module = importlib.import_module(image.builtin_module)
            else:
                submit = env.get("SAGEMAKER_SUBMIT_DIRECTORY", CONTAINER_CODE_DIR)
                code_dir = model_dir / "code"
                if submit.startswith("s3://"):
                    code_dir = _unpack(s3, submit, artifacts / name / "code")
                module = _script_module(name, code_dir, env.get("SAGEMAKER_PROGRAM", "inference.py"))
    except SageMakerError:
        raise
    except Exception as exc:  # the user's script failed to import: the container would fail its ping
        raise SageMakerError("ValidationException", f"model {name}: cannot load handlers: {exc!r}") from None
    missing = [h for h in HANDLERS if not callable(getattr(module, h, None))]
    if missing:
        raise SageMakerError(
            "ValidationException", f"model {name}: {module.__name__} lacks {', '.join(missing)}"
        )
    handlers = Handlers(
        model_fn=module.model_fn,
        input_fn=module.input_fn,
        predict_fn=module.predict_fn,
        output_fn=module.output_fn,
        default_accept=env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json"),
    )
    return handlers, str(model_dir)
