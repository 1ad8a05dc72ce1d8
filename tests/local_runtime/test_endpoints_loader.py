"""Loading a model's handlers as its serving container would: built-in images, framework models from
`code/` inside model.tar.gz only (the serving toolkit never reads `SAGEMAKER_SUBMIT_DIRECTORY`), and
archives or modules that cannot serve."""

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
from tests.local_runtime.test_endpoints_support import IMAGE, INFERENCE_PY, REPO, SHIPPED, moons_rows

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


def test_framework_code_comes_from_code_in_the_model_artifact(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path / "s3")
    shipped = {f"code/{n}": (REPO / n).read_text() for n in SHIPPED}
    code = {"code/pkg_m2/__init__.py": "", "code/pkg_m2/serve.py": INFERENCE_PY, **shipped}
    _tar(s3.path("s3://b/m2/model.tar.gz"), {"params.json": PARAMS, **code})
    # a source archive elsewhere is not read, as in the container
    _tar(s3.path("s3://b/code/sourcedir.tar.gz"), {"pkg_m2/__init__.py": "", "pkg_m2/serve.py": "raise X"})
    env = {
        "SAGEMAKER_PROGRAM": "pkg_m2.serve",
        "SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/code/sourcedir.tar.gz",
        "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/json",
    }
    handlers, model_dir = load_handlers(_model("m2", IMAGE, env), s3, tmp_path / "a")
    assert _predict(handlers, model_dir)["version"] == "x"
    assert "pkg_m2" not in sys.modules  # the artifact's modules are not left in this process


def test_the_artifact_s_own_ml_code_is_used_not_this_checkout_s(tmp_path: Path) -> None:
    """An artifact whose code/ lacks a module it imports fails as in the container, even though this
    process has that module loaded (defect: code served from the source archive, not the artifact)."""
    s3 = LocalS3(tmp_path / "s3")
    code = {"code/inference.py": INFERENCE_PY}  # imports ml_code.common.errors, not shipped
    _tar(s3.path("s3://b/m3/model.tar.gz"), {"params.json": PARAMS, **code})
    import ml_code.common.errors  # noqa: F401  # loaded here: must not leak into the model

    with pytest.raises(SageMakerError, match=r"inference.py:4: imports ml_code, but the code root .* has no"):
        load_handlers(_model("m3", IMAGE, {"SAGEMAKER_PROGRAM": "inference.py"}), s3, tmp_path / "a")


@pytest.mark.parametrize(
    ("files", "env", "message"),
    [
        ({"params.json": PARAMS}, {"SAGEMAKER_PROGRAM": "inference.py"}, "has no code/ folder"),
        ({"code/x.py": ""}, {"SAGEMAKER_PROGRAM": "ml_code/x.py"}, "is a path"),
        ({"code/inference.py": "def model_fn(d): pass\n"}, {}, "lacks input_fn, predict_fn, output_fn"),
        ({"code/inference.py": "import not_a_module_anywhere\n"}, {}, "imports not_a_module_anywhere"),
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
        load_handlers(_model(name, IMAGE, env), s3, tmp_path / "a")
    assert error.value.code == "ValidationException"
    assert not (tmp_path.parent / "escape.txt").exists()
