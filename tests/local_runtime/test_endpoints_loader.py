"""Loading a model's handlers as its serving container would: built-in images, script mode code from
`SAGEMAKER_SUBMIT_DIRECTORY`, and archives or modules that cannot serve."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

from local_runtime import images
from local_runtime.endpoints.loader import Handlers, load_handlers
from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3
from tests.local_runtime.test_endpoints_support import INFERENCE_PY, moons_rows

ROW = moons_rows(1)[0].encode()


def _tar(path: Path, files: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))


def _model(name: str, image: str, env: dict[str, str] | None = None) -> dict:
    container = {"Image": image, "ModelDataUrl": f"s3://b/{name}/model.tar.gz", "Environment": env or {}}
    return {"ModelName": name, "PrimaryContainer": container}


PARAMS = json.dumps({"mode": "ok", "version": "x", "w": [1.0, 2.0, 3.0]})


def _predict(handlers: Handlers, model_dir: str) -> dict:
    model = handlers.model_fn(model_dir)
    return json.loads(
        handlers.output_fn(handlers.predict_fn(handlers.input_fn(ROW, "text/csv"), model), "application/json")
    )


def test_builtin_image_uses_its_stand_in_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "tiny_builtin_algo.py").write_text(INFERENCE_PY)
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    monkeypatch.setitem(images.BUILTIN_ALGORITHMS, "tiny-algo", "tiny_builtin_algo")
    s3 = LocalS3(tmp_path / "s3")
    _tar(s3.path("s3://b/m1/model.tar.gz"), {"params.json": PARAMS})
    image = "382416733822.dkr.ecr.us-east-1.amazonaws.com/tiny-algo:1"
    handlers, model_dir = load_handlers(_model("m1", image), s3, tmp_path / "artifacts")
    assert model_dir == str(tmp_path / "artifacts" / "m1" / "model")
    x1, x2 = (float(v) for v in ROW.split(b","))
    assert _predict(handlers, model_dir)["scores"] == [pytest.approx(x1 + 2 * x2 + 3)]
    assert handlers.default_accept == "application/json"


def test_script_mode_code_comes_from_the_submit_directory(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path / "s3")
    _tar(s3.path("s3://b/m2/model.tar.gz"), {"params.json": PARAMS})
    _tar(s3.path("s3://b/code/sourcedir.tar.gz"), {"pkg_m2/__init__.py": "", "pkg_m2/serve.py": INFERENCE_PY})
    env = {
        "SAGEMAKER_PROGRAM": "pkg_m2.serve",
        "SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/code/sourcedir.tar.gz",
        "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/json",
    }
    try:
        handlers, model_dir = load_handlers(_model("m2", "x/pytorch-inference:2.1", env), s3, tmp_path / "a")
        assert _predict(handlers, model_dir)["version"] == "x"
        assert (tmp_path / "a" / "m2" / "code" / "pkg_m2" / "serve.py").is_file()
    finally:
        sys.modules.pop("pkg_m2.serve", None)
        sys.modules.pop("pkg_m2", None)


@pytest.mark.parametrize(
    ("files", "env", "message"),
    [
        (
            {"params.json": PARAMS},
            {"SAGEMAKER_PROGRAM": "inference.py"},
            "SAGEMAKER_PROGRAM 'inference.py' not found",
        ),
        ({"code/inference.py": "def model_fn(d): pass\n"}, {}, "lacks input_fn, predict_fn, output_fn"),
        ({"code/inference.py": "import not_a_module_anywhere\n"}, {}, "cannot load handlers"),
        ({"../escape.txt": "x"}, {}, "is not a valid tar.gz archive"),
    ],
)
def test_models_that_cannot_serve_are_validation_errors(
    tmp_path: Path, files: dict, env: dict, message: str
) -> None:
    s3 = LocalS3(tmp_path / "s3")
    name = "m" + message.split()[0].lower().strip("'")
    _tar(s3.path(f"s3://b/{name}/model.tar.gz"), files)
    with pytest.raises(SageMakerError, match=message) as error:
        load_handlers(_model(name, "x/pytorch-inference:2.1", env), s3, tmp_path / "a")
    assert error.value.code == "ValidationException"
    assert not (tmp_path.parent / "escape.txt").exists()
