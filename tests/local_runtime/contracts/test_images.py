"""The image manifest, and ml_code checked against the images the stacks deploy it in.

The entry points come from the case studies (what is deployed), the images from `stacks.images`
(the URIs `sagemaker.core.image_uris` renders); code roots are laid out as in the containers: the
source archive unpacked for jobs, `<model>/code/` for the serving image.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from local_runtime.contracts import images
from local_runtime.contracts.image_python import Target, code_roots, parse
from local_runtime.contracts.images import (
    DATA_FILE,
    check_code,
    check_entrypoint,
    manifest,
    manifest_entry,
    write_shim,
)
from ml_code.common.imports import bundle_inference_code
from stacks.case_parts import ProcessingStep, TrainingStep
from stacks.cases import ALL
from stacks.code_asset import archive_bytes
from stacks.images import inference_image, processing_image, training_image

REGION = "eu-west-1"
PROCESSING = processing_image(REGION)
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
PROCESSING_MODULES = sorted(
    {step.module for case in ALL for step in case.steps if isinstance(step, ProcessingStep)}
)
FRAMEWORKS = [
    step.algorithm
    for case in ALL
    for step in case.steps
    if isinstance(step, TrainingStep) and not step.algorithm.is_builtin
]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "CACHE_DIR", tmp_path_factory.getbasetemp() / "image-checks")


@pytest.fixture(scope="module")
def code_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The source archive as the processing entrypoint and the training toolkit unpack it."""
    root = tmp_path_factory.mktemp("code")
    with tarfile.open(fileobj=io.BytesIO(archive_bytes()), mode="r:gz") as archive:
        archive.extractall(root, filter="data")
    return root


def _copy(code_root: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(code_root, tmp_path / "code"))


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# -- the manifest ----------------------------------------------------------------------------------


def test_manifest_is_sorted_sourced_and_self_describing() -> None:
    raw = json.loads(DATA_FILE.read_text())
    assert set(raw) == {"about", "fields", "images"}
    assert list(raw["images"]) == sorted(raw["images"])
    for key, entry in raw["images"].items():
        assert set(entry) <= set(raw["fields"]), key
        assert list(entry["packages"]) == sorted(entry["packages"]), key
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in entry["packages"]), key
        named = {name for source in entry["sources"] for name in source["packages"]}
        assert named == set(entry["packages"]), f"{key}: every package has its source"
        for source in entry["sources"]:
            assert re.fullmatch(r"[0-9a-f]{40}", source.get("commit", "0" * 40)), source
            assert ("repo" in source and "path" in source) or "url" in source, source
        assert entry["builtin"] == (entry["python"] is None), key


def test_the_processing_image_pins_what_ml_code_uses() -> None:
    image = manifest_entry(PROCESSING)
    assert image.key == "pytorch:2.13-cpu-amzn2023-sagemaker"
    assert (image.python, image.used, image.builtin) == ("3.12", True, False)
    pins = {"numpy": "2.4.4", "pandas": "2.3.3", "scipy": "1.17.1", "scikit-learn": "1.8.0"}
    assert {name: image.packages[name] for name in pins} == pins
    assert image.packages["matplotlib"] == "3.10.8" and image.packages["torch"] == "2.13.0+cpu"
    assert len(image.packages) == 224  # the whole sagemaker target of the lock, not just the above
    assert {"bash", "tar", "gzip", "python3", "python"} <= set(image.commands)


def test_the_serving_image_records_unpinned_packages_as_null() -> None:
    image = manifest_entry(inference_image(FRAMEWORKS[0], REGION))
    assert (image.key, image.python) == ("pytorch-inference:2.6-cpu-py312", "3.12")
    assert (
        image.packages["torch"] == "2.6.0+cpu" and image.packages["sagemaker-pytorch-inference"] == "2.0.25"
    )
    assert {image.packages[n] for n in ("numpy", "pandas", "scikit-learn", "scipy", "matplotlib")} == {None}
    installs = [s for s in image.sources if "scikit-learn" in s["packages"]]  # type: ignore[operator]
    assert installs and all(s.get("lines") for s in installs)


@pytest.mark.parametrize("repository", ["pca", "kmeans", "linear-learner", "forecasting-deepar"])
def test_builtin_algorithms_are_marked_and_not_checked(repository: str) -> None:
    uri = f"382416733822.dkr.ecr.us-east-1.amazonaws.com/{repository}:1"
    assert manifest_entry(uri).builtin
    assert check_code(uri, "no.such.module", []) == []


def test_replaced_images_are_kept_but_marked_unused() -> None:
    kept = [key for key, image in manifest().items() if not image.used]
    assert sorted(kept) == [
        "pytorch-inference:2.1-cpu-py310",
        "pytorch-training:2.1-cpu-py310",
        "sagemaker-scikit-learn:1.2-1-cpu-py3",
    ]
    assert all("kept to document the choice" in manifest()[key].note for key in kept)


def test_unknown_or_malformed_images_are_refused_by_name() -> None:
    uri = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.10-cpu-py313"
    with pytest.raises(ValueError, match=r"pytorch-training:2\.10-cpu-py313.*known images: .*pytorch:2\.13"):
        manifest_entry(uri)
    with pytest.raises(ValueError, match=r"<account>\.dkr\.ecr"):
        manifest_entry("pytorch:2.13-cpu-amzn2023-sagemaker")


# -- ml_code against the images it is deployed in --------------------------------------------------


def test_the_case_studies_run_the_entry_points_checked_here() -> None:
    assert set(PROCESSING_MODULES) == {
        "ml_code.population_segmentation.preprocess",
        "ml_code.population_segmentation.select_components",
        "ml_code.population_segmentation.evaluate",
        "ml_code.fraud_detection.preprocess",
        "ml_code.fraud_detection.evaluate",
        "ml_code.moon_classification.preprocess",
        "ml_code.moon_classification.evaluate",
        "ml_code.power_forecasting.preprocess",
        "ml_code.power_forecasting.evaluate",
    }
    assert [a.script for a in FRAMEWORKS] == ["ml_code/moon_classification/train.py"]


@pytest.mark.parametrize("module", PROCESSING_MODULES)
def test_processing_modules_run_in_the_processing_image(module: str, code_root: Path) -> None:
    assert [str(p) for p in check_code(PROCESSING, module, [code_root])] == []


def test_the_training_script_runs_in_its_image(code_root: Path) -> None:
    algorithm = FRAMEWORKS[0]
    uri = training_image(algorithm, REGION)
    assert [str(p) for p in check_code(uri, str(algorithm.script), [code_root], script=True)] == []


def test_the_inference_module_runs_from_the_model_code_folder(code_root: Path, tmp_path: Path) -> None:
    algorithm = FRAMEWORKS[0]
    bundle_inference_code(code_root, str(algorithm.inference_module), tmp_path)
    uri = inference_image(algorithm, REGION)
    assert [str(p) for p in check_code(uri, str(algorithm.inference_module), [tmp_path / "code"])] == []


def _line(path: Path, text: str) -> int:
    """The first line of `path` holding `text`: the checks name lines, which edits move."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_old_scikit_learn_image_could_not_run_ml_code(code_root: Path) -> None:
    found = [str(p) for m in PROCESSING_MODULES for p in check_code(SKLEARN, m, [code_root])]
    image = "sagemaker-scikit-learn:1.2-1-cpu-py3"
    assert (
        f"ml_code/common/plots.py:7: imports matplotlib, which {image} does not ship (Python 3.9; ships:"
        in ("\n".join(found))
    )
    old = f"needs Python 3.10; {image} has Python 3.9"
    moons = "ml_code/moon_classification/preprocess.py"
    line = _line(code_root / moons, "zip(")
    assert f"{moons}:{line}: zip(strict=...) {old}" in found
    evaluate = "ml_code/population_segmentation/evaluate.py"
    line = _line(code_root / evaluate, "int | float")  # its first union type
    assert f"{evaluate}:{line}: `int | float` (a union type, evaluated) {old}" in found


def test_annotations_left_unevaluated_need_no_newer_python(tmp_path: Path) -> None:
    _write(tmp_path, "ml_code/__init__.py", "")
    lazy = (
        "from __future__ import annotations\n\ndef f(a: int | None) -> str | None:\n    b: int | None = a\n"
    )
    _write(tmp_path, "ml_code/lazy.py", lazy)
    _write(tmp_path, "ml_code/eager.py", "def f(a: int | None):\n    return a\n")
    assert check_code(SKLEARN, "ml_code.lazy", [tmp_path]) == []
    assert [p.line for p in check_code(SKLEARN, "ml_code.eager", [tmp_path])] == [1]


def test_a_code_root_without_a_module_names_it(code_root: Path, tmp_path: Path) -> None:
    root = _copy(code_root, tmp_path)
    (root / "ml_code/common/errors.py").unlink()
    found = [str(p) for p in check_code(PROCESSING, "ml_code.moon_classification.preprocess", [root])]
    line = _line(code_root / "ml_code/moon_classification/preprocess.py", "from ml_code.common.errors import")
    assert (
        f"ml_code/moon_classification/preprocess.py:{line}: imports ml_code.common.errors, but the code root"
        in ("\n".join(found))
    )
    assert all("ml_code.common.errors" in line for line in found)


def test_a_model_without_a_module_it_imports_from_its_package(code_root: Path, tmp_path: Path) -> None:
    """`from package import module` with the module gone: a name the package does not define."""
    module = "ml_code.moon_classification.inference"
    bundle_inference_code(code_root, module, tmp_path)
    (tmp_path / "code/ml_code/moon_classification/model.py").unlink()
    found = check_code(inference_image(FRAMEWORKS[0], REGION), module, [tmp_path / "code"])
    assert found and all("ml_code.moon_classification.model" in p.message for p in found)


@pytest.mark.parametrize("statement", ["import local_runtime.images", "from bench import pipelines"])
def test_project_packages_outside_the_code_root_are_refused(tmp_path: Path, statement: str) -> None:
    _write(tmp_path, "ml_code/__init__.py", "")
    _write(tmp_path, "ml_code/step.py", f"{statement}\n")
    [problem] = check_code(PROCESSING, "ml_code.step", [tmp_path])
    assert str(problem).startswith(
        f"ml_code/step.py:1: imports {statement.split()[1].split('.')[0]}, which is"
    )
    assert "nor in any installed distribution or code root" in problem.message


def test_verdicts_are_cached_on_disk_for_the_next_process(
    code_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = "ml_code.fraud_detection.evaluate"
    first = check_code(SKLEARN, module, [code_root])
    images._file_report.cache_clear()
    monkeypatch.setattr(images, "_vermin_findings", lambda source: pytest.fail("not served from disk"))
    assert check_code(SKLEARN, module, [code_root]) == first != []


# -- the python3 a job finds on its PATH -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["-m", "ml_code.a.b", "--x", "1"], Target("module", "ml_code.a.b")),
        (["-u", "-X", "dev", "-W", "ignore", "-mml_code.a"], Target("module", "ml_code.a")),
        (["-Im", "pkg"], Target("module", "pkg", ignore_environment=True, safe_path=True)),
        (["-B", "train.py", "-m", "x"], Target("script", "train.py")),
        (["--", "-odd.py"], Target("script", "-odd.py")),
        (["-c", "import matplotlib"], Target("none")),
        (["-"], Target("none")),
        ([], Target("none")),
        (["--version"], Target("none")),
    ],
)
def test_command_lines_are_read_as_cpython_reads_them(args: list[str], target: Target) -> None:
    assert parse(args) == target


def test_a_script_is_checked_from_the_code_root_its_package_resolves_from(tmp_path: Path) -> None:
    target = Target("script", "ml_code/moon_classification/train.py")
    entry, roots = code_roots(target, tmp_path, {"PYTHONPATH": str(tmp_path)})
    assert entry == "ml_code/moon_classification/train.py"
    assert roots == [tmp_path.resolve(), (tmp_path / "ml_code/moon_classification").resolve()]


@pytest.fixture
def shim(tmp_path: Path) -> dict[str, str]:
    """A job's environment: the shim first on PATH, a tiny code root on PYTHONPATH (no torch)."""
    write_shim(tmp_path / "bin", PROCESSING)
    root = tmp_path / "code"
    _write(root, "ml_code/__init__.py", "")
    ok = "import importlib.util, json\nprint(json.dumps(importlib.util.find_spec('local_runtime') is None))\n"
    _write(root, "ml_code/ok.py", ok)
    _write(root, "ml_code/bad.py", "import bench\nfrom ml_code import gone\n")
    return {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(root),
    }


def test_the_shim_runs_what_the_image_can_run(shim: dict[str, str], tmp_path: Path) -> None:
    assert os.access(tmp_path / "bin/python3", os.X_OK) and os.access(tmp_path / "bin/python", os.X_OK)
    done = subprocess.run(
        ["python3", "-m", "ml_code.ok"], env=shim, cwd=tmp_path, capture_output=True, text=True
    )
    # ran, and without the project on its path: the shim's sys.path change stays in the shim
    assert (done.returncode, done.stdout, done.stderr) == (0, "true\n", "")


def test_the_shim_refuses_what_the_image_cannot_run(shim: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        ["python", "-m", "ml_code.bad"], env=shim, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("ImageMismatch: ml_code/bad.py:") for line in lines)
    assert "imports bench" in lines[0] and "imports ml_code.gone" in lines[1]


def test_the_shim_refuses_an_image_without_a_manifest(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="known images"):
        write_shim(tmp_path, "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:9.9-cpu-py399")
    script = Path(images.IMAGE_PYTHON)
    unknown = "763104351884.dkr.ecr.us-east-1.amazonaws.com/other:1"
    done = subprocess.run(
        [sys.executable, "-P", str(script), unknown, "--", "-c", "0"], capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stderr.startswith("ImageMismatch: image ")


# -- ContainerEntrypoint -----------------------------------------------------------------------------


def test_an_entrypoint_must_start_a_command_the_image_has() -> None:
    assert (
        check_entrypoint(PROCESSING, ["bash", "-c", "cd /opt/ml/processing/input/code && tar xzf *.gz"]) == []
    )
    assert check_entrypoint(PROCESSING, ["/opt/venv/bin/python3", "-m", "x"]) == []
    [refusal] = check_entrypoint(PROCESSING, ["zsh", "-c", "true"])
    assert refusal.startswith("ContainerEntrypoint starts 'zsh', which pytorch:2.13-cpu-amzn2023-sagemaker")
    assert "(it has: bash, " in refusal
    assert check_entrypoint(PROCESSING, []) == [
        "empty ContainerEntrypoint for pytorch:2.13-cpu-amzn2023-sagemaker"
    ]


def test_sh_is_refused_where_the_manifest_does_not_list_it(monkeypatch: pytest.MonkeyPatch) -> None:
    image = manifest_entry(PROCESSING)
    monkeypatch.setitem(manifest(), image.key, replace(image, commands=("bash",)))
    assert check_entrypoint(PROCESSING, ["sh", "-c", "python3 -m x"]) != []
    assert check_entrypoint(PROCESSING, ["bash", "-c", "python3 -m x"]) == []
