"""The fraud chain on the bundled sample: preprocess -> LinearLearner and XGBoost jobs -> each scores the
holdout rows as batch transform would -> evaluate, with the case study's arguments and hyperparameters
(its untuned defaults)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from ml_code.builtin import linear_learner as ll
from ml_code.builtin import xgboost as xgb
from ml_code.common.sm_env import JobFolder
from ml_code.fraud_detection import evaluate, preprocess
from stacks.case_parts import ProcessingStep, TrainingStep, TransformStep
from stacks.cases.fraud import FRAUD_DETECTION as CASE

DATA = Path(__file__).resolve().parents[3] / "data"
BATCH = 100  # rows per request, as batch transform's mini-batches


def _train(module: ModuleType, step: TrainingStep, root: Path, out: io.StringIO) -> object:
    channels = list(step.channels)
    config = {c: {"ContentType": step.content_type} for c in channels}  # as CreateTrainingJob sets it
    job = JobFolder(root / step.name).write_training_config(dict(step.hyperparameters), config)
    for channel in channels:
        shutil.copytree(root / channel, job.channel(channel), dirs_exist_ok=True)
    with job.active(), contextlib.redirect_stdout(out):
        assert module.main(["train"]) == 0
    return module.model_fn(str(job.model))


def _score(module: ModuleType, model: object, transform: TransformStep, root: Path) -> None:
    folder = root / transform.name
    folder.mkdir()
    for source in sorted((root / "holdout_features").iterdir()):
        lines = source.read_text().splitlines(keepends=True)
        with (folder / f"{source.name}.out").open("wb") as fh:
            for start in range(0, len(lines), BATCH):
                data = module.input_fn("".join(lines[start : start + BATCH]), transform.content_type)
                answer = module.output_fn(module.predict_fn(data, model), transform.accept)
                fh.write(answer if answer.endswith(b"\n") else answer + b"\n")


def _folder(root: Path, ref: str) -> Path:
    """Where this test keeps a data reference: preprocess outputs by name, transforms by step."""
    step, output = ref.split("/")
    return root / (output if step == "preprocess" else step)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """Runs the chain once; returns its folder and the #metric lines of the training jobs."""
    root = tmp_path_factory.mktemp("fraud-chain")
    pre = CASE.step("preprocess")
    assert isinstance(pre, ProcessingStep)
    argv = ["--input-dir", f"raw={DATA / 'creditcard'}", *CASE.arguments(pre)]
    assert preprocess.main(argv + [a for n in pre.outputs for a in ("--output-dir", f"{n}={root / n}")]) == 0
    out = io.StringIO()
    for module, name in ((ll, "linear"), (xgb, "xgboost")):
        step, transform = CASE.step(name), CASE.step(f"score-{name}")
        assert isinstance(step, TrainingStep) and isinstance(transform, TransformStep)
        _score(module, _train(module, step, root, out), transform, root)
    step = CASE.step("evaluate")  # its inputs and arguments as the pipeline passes them
    assert isinstance(step, ProcessingStep)
    argv = [a for n, ref in step.inputs.items() for a in ("--input-dir", f"{n}={_folder(root, ref)}")]
    argv += ["--output-dir", f"evaluation={root / 'evaluation'}", "--output-dir", f"report={root / 'report'}"]
    assert evaluate.main([*argv, *CASE.arguments(step)]) == 0
    found = dict(
        ln.removeprefix("#metric ").split("=") for ln in out.getvalue().splitlines() if "#metric" in ln
    )
    return root, {k: float(v) for k, v in found.items()}


def test_each_candidate_is_scored_at_its_validation_operating_point(
    chain: tuple[Path, dict[str, float]],
) -> None:
    root, _ = chain
    result = json.loads((root / "evaluation" / "evaluation.json").read_text())
    assert set(result["candidates"]) == {"linear", "xgboost"}
    for candidate in result["candidates"].values():
        figures = candidate["metrics"]
        assert 0.8 <= figures["test:recall"] <= 1.0  # set for 90% on validation, measured on test
        assert figures["auprc_prior_corrected"] < figures["auprc"]
        assert 0 < candidate["threshold"] < 1
    chosen = result["chosen"]
    best = max(
        result["candidates"],
        key=lambda n: result["candidates"][n]["metrics"]["validation:auprc_prior_corrected"],
    )
    assert chosen == best and result["metrics"] == result["candidates"][chosen]["metrics"]
    c = result["confusion_matrix"]
    assert c["tp"] + c["fn"] == 98 and c["tn"] + c["fp"] == 246
    assert result["metrics"]["test:precision_prior_corrected"] == pytest.approx(
        c["tp"] / (c["tp"] + c["fp"] * 284315 / 1230)
    )


def test_the_baselines_and_the_gate_bar_are_scored_on_the_same_rows(
    chain: tuple[Path, dict[str, float]],
) -> None:
    root, logged = chain
    result = json.loads((root / "evaluation" / "evaluation.json").read_text())
    majority, logistic = result["baselines"]["majority_class"], result["baselines"]["logistic_regression"]
    assert majority["test:recall"] == 0.0
    assert majority["auprc_prior_corrected"] == pytest.approx(
        492 / (284315 + 492), rel=0.05
    )  # the prevalence
    assert 0.8 <= logistic["test:recall"] <= 1.0 and 0.0 < logistic["test:precision_prior_corrected"] < 1.0
    assert logistic["auprc_prior_corrected"] > 10 * majority["auprc_prior_corrected"]
    assert result["gate"]["baseline_value"] == pytest.approx(logistic["auprc_prior_corrected"], abs=1e-6)
    assert "validation:aucpr" in logged and "validation:recall" in logged  # both jobs reported metrics
