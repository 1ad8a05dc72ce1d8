"""The fraud chain on the bundled sample: preprocess -> LinearLearner job -> batch transform -> evaluate,
and the cross-validated quality benchmark."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.quality import fraud as bench
from ml_code.builtin import linear_learner as ll
from ml_code.common.sm_env import JobFolder
from ml_code.fraud_detection import evaluate, preprocess

DATA = Path(__file__).resolve().parents[3] / "data"


def _steps(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Runs the chain in `root`; returns the #metric lines of the training job."""
    argv = ["--input-dir", f"raw={DATA / 'creditcard'}", "--population-counts", "0=284315,1=492"]
    assert preprocess.main(argv + [a for n in ("train", "validation", "test", "test_features", "meta")
                                   for a in ("--output-dir", f"{n}={root / n}")]) == 0  # fmt: skip
    channels = ("train", "validation", "test")
    job = JobFolder(root / "job").write_training_config(bench.HYPERPARAMETERS, {c: {} for c in channels})
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
    argv = [a for n in ("test", "predictions", "meta") for a in ("--input-dir", f"{n}={root / n}")]
    argv += ["--output-dir", f"evaluation={root / 'evaluation'}", "--output-dir", f"report={root / 'report'}"]
    assert evaluate.main(argv) == 0
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


def test_cross_validated_quality_benchmark(tmp_path: Path) -> None:
    report = bench.run(DATA, tmp_path)
    assert len(report["per_fold"]) == 5
    assert all(fold["validation_recall"] >= 0.9 for fold in report["per_fold"])  # calibrated on validation
    assert (
        0.8 <= report["recall"] <= 1.0
        and 0.0 < report["precision_prior_corrected"] < report["precision_sample"]
    )
    assert report["meets_targets"] == (
        report["recall"] >= 0.9
        and report["precision_prior_corrected"] >= bench.TARGETS["precision_prior_corrected"]
    )
    # pooled precision is the weighted share of true alarms: every legitimate row stands for 284315 / 1230
    fraud_caught = round(report["recall"] * 492)
    false_alarms = fraud_caught * (1 / report["precision_sample"] - 1)
    assert report["precision_prior_corrected"] == pytest.approx(
        fraud_caught / (fraud_caught + false_alarms * 284315 / 1230), rel=1e-6
    )
    assert np.isfinite(report["train_seconds"]) and report["train_seconds"] > 0


def test_benchmark_without_a_validation_channel_trains_on_all_training_folds(tmp_path: Path) -> None:
    report = bench.run(DATA, tmp_path, validation_fraction=None)
    assert report["validation_fraction"] is None
    assert all(fold["validation_recall"] is None for fold in report["per_fold"])  # no validation metrics
    rows = (tmp_path / "fold-0" / "input" / "data" / "train" / "train.csv").read_text().splitlines()
    assert len(rows) == (492 + 1230) * 4 // 5  # the whole training side of the fold, none held back
    assert not (tmp_path / "fold-0" / "input" / "data" / "validation").exists()
    assert 0.8 <= report["recall"] <= 1.0 and 0.0 < report["precision_prior_corrected"] < 1.0


def test_reference_models_run_on_the_benchmark_folds() -> None:
    from bench.quality import fraud_reference

    report = fraud_reference.run(DATA, seeds=(bench.SEED,))
    assert set(report) == {
        "logistic_validation_split",
        "logistic_inner_cv",
        "gradient_boosting_validation_split",
    }
    for figures in report.values():
        # thresholds aim at recall 0.9 on data the held-out fold never joins, so pooled recall lands near it
        assert 0.85 <= figures["recall"] <= 0.95
        assert 0.0 < figures["precision_prior_corrected"] < 0.5
        assert figures["precision_prior_corrected_by_seed"] == {
            str(bench.SEED): figures["precision_prior_corrected"]
        }
