"""The fraud chain on the bundled sample: preprocess -> LinearLearner job -> batch transform -> evaluate,
with the case study's arguments and hyperparameters (its untuned defaults)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from ml_code.builtin import linear_learner as ll
from ml_code.common.sm_env import JobFolder
from ml_code.fraud_detection import evaluate, preprocess
from stacks.case_parts import ProcessingStep, TrainingStep
from stacks.cases.fraud import FRAUD_DETECTION as CASE

DATA = Path(__file__).resolve().parents[3] / "data"


def _steps(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Runs the chain in `root`; returns the #metric lines of the training job."""
    pre, linear = CASE.step("preprocess"), CASE.step("linear")  # what the pipeline runs
    assert isinstance(pre, ProcessingStep) and isinstance(linear, TrainingStep)
    argv = ["--input-dir", f"raw={DATA / 'creditcard'}", *pre.arguments]
    assert preprocess.main(argv + [a for n in ("train", "validation", "test", "test_features", "meta")
                                   for a in ("--output-dir", f"{n}={root / n}")]) == 0  # fmt: skip
    channels = ("train", "validation", "test")
    job = JobFolder(root / "job").write_training_config(
        dict(linear.hyperparameters), {c: {} for c in channels}
    )
    for channel in channels:
        shutil.copytree(root / channel, job.channel(channel), dirs_exist_ok=True)
    out = io.StringIO()
    with job.active(), contextlib.redirect_stdout(out):
        assert ll.main(["train"]) == 0
    model = ll.model_fn(str(job.model))
    lines = (root / "test_features" / "test_features.csv").read_text().splitlines(keepends=True)
    (root / "predictions").mkdir()
    with (root / "predictions" / "test_features.csv.out").open("wb") as fh:
        for start in range(0, len(lines), 100):  # mini-batches, as batch transform sends them
            data = ll.input_fn("".join(lines[start : start + 100]), "text/csv")
            fh.write(ll.output_fn(ll.predict_fn(data, model), "application/jsonlines"))
    step = CASE.step("evaluate")  # its inputs and arguments as the pipeline passes them
    assert isinstance(step, ProcessingStep)
    argv = [a for n, ref in step.inputs.items() for a in ("--input-dir", f"{n}={root / ref.split('/')[1]}")]
    argv += ["--output-dir", f"evaluation={root / 'evaluation'}", "--output-dir", f"report={root / 'report'}"]
    assert evaluate.main([*argv, *CASE.arguments(step)]) == 0
    found = dict(
        ln.removeprefix("#metric ").split("=") for ln in out.getvalue().splitlines() if "#metric" in ln
    )
    return {k: float(v) for k, v in found.items()}


def test_evaluation_agrees_with_the_training_jobs_test_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged = _steps(tmp_path, monkeypatch)
    result = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    figures = result["metrics"]
    for ours, algorithms in (
        ("recall",) * 2,
        ("precision",) * 2,
        ("accuracy", "binary_classification_accuracy"),
    ):
        assert figures[f"test:{ours}"] == pytest.approx(logged[f"test:{algorithms}"], abs=1e-6)
    c = result["confusion_matrix"]
    assert c["tp"] + c["fn"] == 98 and c["tn"] + c["fp"] == 246
    assert figures["test:precision_prior_corrected"] == pytest.approx(
        c["tp"] / (c["tp"] + c["fp"] * 284315 / 1230)
    )
    model_threshold = json.loads((tmp_path / "job" / "model" / ll.MODEL_FILE).read_text())["threshold"]
    assert result["threshold"] >= model_threshold
    assert figures["auprc_prior_corrected"] < figures["auprc"] and figures["test:recall"] > 0.8
    # honest baselines, scored on the same rows with the same functions
    majority, logistic = result["baselines"]["majority_class"], result["baselines"]["logistic_regression"]
    assert majority["test:recall"] == 0.0
    assert majority["auprc_prior_corrected"] == pytest.approx(
        492 / (284315 + 492), rel=0.05
    )  # the prevalence
    assert 0.8 <= logistic["test:recall"] <= 1.0 and 0.0 < logistic["test:precision_prior_corrected"] < 1.0
    assert logistic["auprc_prior_corrected"] > 10 * majority["auprc_prior_corrected"]
