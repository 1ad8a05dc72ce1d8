"""The population segmentation chain on the bundled census data, for the ML tests.

Runs every step through its real entry point, in job folders shaped like SageMaker's (training jobs
under `ML_CODE_OPT_ML`, processing steps with `--input-dir/--output-dir`), and projects/assigns the
counties through the models' inference handlers, as a batch transform would. Hyperparameters and
arguments are read from the case study's object, so the tests run what the pipeline deploys.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from ml_code.builtin import kmeans, pca
from ml_code.common.sm_env import JobFolder
from ml_code.population_segmentation import evaluate, preprocess, select_components
from stacks.case_parts import ProcessingStep, TrainingStep
from stacks.cases.population import POPULATION_SEGMENTATION as CASE


def _training(name: str) -> dict[str, str]:
    step = CASE.step(name)
    assert isinstance(step, TrainingStep)
    return dict(step.hyperparameters)


def _arguments(name: str) -> list[str]:
    step = CASE.step(name)
    assert isinstance(step, ProcessingStep)
    return list(CASE.arguments(step))


TRANSFORM_ROWS = 500  # rows per request, like batch transform's mini-batches under MaxPayloadInMB


def _check(rc: int, step: str) -> None:
    if rc != 0:
        raise RuntimeError(f"{step} exited with {rc}")


def _train(module: ModuleType, root: Path, hyperparameters: dict[str, str], train: Path) -> Path:
    """A training job: write its config and channel, run `<module> train`, return its model folder."""
    job = JobFolder(root).write_training_config(
        hyperparameters, {"train": {"ContentType": "text/csv;label_size=0"}}
    )
    shutil.copytree(train, job.channel("train"), dirs_exist_ok=True)
    with job.active():
        _check(module.main(["train"]), f"{module.__name__} train")
    return job.model


def _transform(module: ModuleType, model_dir: Path, source: Path, out_dir: Path) -> None:
    """Batch transform with SplitType=Line and accept application/jsonlines: `<file>.out`."""
    model = module.model_fn(str(model_dir))
    lines = source.read_text().splitlines(keepends=True)
    out = b""
    for start in range(0, len(lines), TRANSFORM_ROWS):
        data = module.input_fn("".join(lines[start : start + TRANSFORM_ROWS]), "text/csv")
        out += module.output_fn(module.predict_fn(data, model), "application/jsonlines")
    out_dir.mkdir(parents=True)
    (out_dir / f"{source.name}.out").write_bytes(out)


def _dirs(flag: str, folders: dict[str, Path]) -> list[str]:
    return [arg for name, path in folders.items() for arg in (flag, f"{name}={path}")]


def run(data_dir: Path, workdir: Path) -> dict[str, Any]:
    pre, sel, ev = workdir / "preprocess", workdir / "select", workdir / "evaluate"
    argv = _dirs("--input-dir", {"raw": data_dir / "census"})
    _check(
        preprocess.main(argv + _dirs("--output-dir", {"train": pre / "train", "meta": pre / "meta"})),
        "preprocess",
    )
    started = time.perf_counter()
    pca_model = _train(pca, workdir / "pca-job", _training("pca"), pre / "train")
    pca_seconds = time.perf_counter() - started
    _transform(pca, pca_model, pre / "train" / "census_scaled.csv", workdir / "projections")
    argv = [*_arguments("select"), *_dirs("--input-dir", {"projections": workdir / "projections"})]
    argv += _dirs("--output-dir", {"train": sel / "train", "meta": sel / "meta"})
    _check(select_components.main(argv), "select_components")
    started = time.perf_counter()
    kmeans_model = _train(kmeans, workdir / "kmeans-job", _training("kmeans"), sel / "train")
    kmeans_seconds = time.perf_counter() - started
    _transform(kmeans, kmeans_model, sel / "train" / "components.csv", workdir / "assignments")
    inputs = {"meta": pre / "meta", "scaled": pre / "train", "components": sel / "train",
              "assignments": workdir / "assignments", "variance": sel / "meta"}  # fmt: skip
    outputs = {"evaluation": ev / "evaluation", "clusters": ev / "clusters", "report": ev / "report"}
    argv = [*_arguments("evaluate"), *_dirs("--input-dir", inputs), *_dirs("--output-dir", outputs)]
    _check(evaluate.main(argv), "evaluate")
    report = json.loads((ev / "evaluation" / "evaluation.json").read_text())
    return {
        "explained_variance_top_k": report["metrics"]["explained_variance_top_k"],
        "silhouette": report["metrics"]["silhouette"],
        "cluster_sizes": list(report["cluster_sizes"].values()),
        "train_seconds": round(pca_seconds + kmeans_seconds, 3),
    }
