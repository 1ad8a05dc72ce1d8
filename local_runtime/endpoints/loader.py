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
from local_runtime.contracts import images as image_contract
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
    try:
        src = s3.path(uri)
    except ValueError as exc:
        raise SageMakerError("ValidationException", str(exc)) from None
    if (dest / ".complete").exists():
        s3.authorize_read(uri)  # every fleet reads the artifact as its model's role
        return dest
    if not src.exists():
        raise SageMakerError("ValidationException", f"Could not access model data at {uri}: no such object.")
    s3.authorize_read(uri, s3.keys_under(src))
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


def _serving_module(image_uri: str, code_dir: Path, program: str) -> ModuleType:
    """Import SAGEMAKER_PROGRAM as the PyTorch serving toolkit does: a module name (".py" stripped)
    found in /opt/ml/model/code, i.e. `code/` inside model.tar.gz, and nowhere else. The packages the
    artifact carries (e.g. `ml_code`) are imported from it, not shared with this process's copies, so
    a module missing from the artifact fails here as it fails in the container.
    https://github.com/aws/sagemaker-inference-toolkit/blob/master/src/sagemaker_inference/environment.py
    """
    module_name = program.removesuffix(".py")
    if "/" in module_name or not module_name:
        raise SageMakerError(
            "ValidationException",
            f"SAGEMAKER_PROGRAM {program!r} is a path: the serving toolkit imports a module name from "
            "/opt/ml/model/code (and would fall back to its default handlers)",
        )
    if not code_dir.is_dir():
        raise SageMakerError(
            "ValidationException",
            f"the model artifact has no code/ folder: the serving container cannot import {module_name}",
        )
    refused = image_contract.check_code(image_uri, module_name, [code_dir])
    if refused:
        shown = "; ".join(map(str, refused[:10]))
        raise SageMakerError(
            "ValidationException", f"the serving image cannot load the model's code: {shown}"
        )
    shipped = {p.stem for p in code_dir.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()}
    ours = {k for k in sys.modules if k.split(".")[0] in shipped}
    saved = {k: sys.modules.pop(k) for k in ours}
    path = list(sys.path)
    sys.path[:] = [str(code_dir), *(p for p in path if p and Path(p).resolve() != images.PROJECT_ROOT)]
    try:
        return importlib.import_module(module_name)
    finally:
        sys.path[:] = path
        for key in [k for k in sys.modules if k.split(".")[0] in shipped]:
            del sys.modules[key]  # the artifact's modules live on through the handlers' references
        sys.modules.update(saved)


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
            else:  # SAGEMAKER_SUBMIT_DIRECTORY is never read by the serving toolkit
                program = env.get("SAGEMAKER_PROGRAM", "inference.py")
                module = _serving_module(container["Image"], model_dir / "code", program)
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
        # what the image answers `*/*` with: the serving toolkit's JSON unless a built-in says otherwise
        default_accept=env.get(
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", getattr(module, "DEFAULT_ACCEPT", "application/json")
        ),
    )
    return handlers, str(model_dir)
