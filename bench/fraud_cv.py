"""Fraud detectors compared by repeated stratified k-fold cross-validation on the bundled sample.

`python -m bench.fraud_cv [--folds 5] [--seeds 5]` loads the case's bundled file and its population
counts as its preprocessing step does (`ml_code.fraud_detection.preprocess`), then for each fold seed
splits it into `--folds` stratified folds. Each held-out fold plays the pipeline's test split; the
other folds are split 3:1 (stratified) into the pipeline's train and validation splits, so the three
keep the pipeline's 60/20/20 shares. Per fold, four models train on the train part:

- LinearLearner, the local built-in at the case's deployed hyperparameters (its own search over 32
  models, calibrated on the validation part; no tuning job);
- the logistic-regression baseline the evaluation step scores (`fraud_detection.baselines`);
- XGBoost, the local built-in's training function at the case's deployed hyperparameters, its
  number of rounds chosen by early stopping on the validation part (no tuning job either);
- the same with a small search (`SEARCH`), one candidate chosen per fold on the validation part.

Every model's threshold is the highest reaching the case's target recall on the validation part
(`metrics.threshold_at_recall`); on the held-out fold we measure the prior-corrected AUPRC and the
prior-corrected precision (each row weighted 1 / its class's sampling rate) and the recall at that
threshold. A fold seed's figure is the mean over its folds; the table gives mean ± sd over fold
seeds. Writes bench/results/fraud_cv.json and fraud_cv.md.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from bench.ml_quality import publish
from local_runtime.bundled_data import DEFAULT_DATA_DIR, read_manifest, verify
from ml_code.builtin._linear_config import Hyperparameters
from ml_code.builtin._linear_training import train as train_linear
from ml_code.builtin._xgboost_config import TrainingConfig
from ml_code.builtin._xgboost_training import Examples
from ml_code.builtin._xgboost_training import train as train_xgboost
from ml_code.common import metrics
from ml_code.fraud_detection import baselines, preprocess
from stacks.case_parts import ProcessingStep, TrainingStep
from stacks.cases.fraud import FRAUD_DETECTION as CASE


def _training_step(framework: str) -> TrainingStep:
    """The case's training step on that algorithm: its hyperparameters are what the pipeline deploys."""
    steps = [s for s in CASE.steps if isinstance(s, TrainingStep) and s.algorithm.framework == framework]
    if not steps:
        raise SystemExit(f"{CASE.id} trains no {framework} model; nothing of it to compare")
    return steps[0]


LINEAR, XGBOOST = _training_step("linear-learner"), _training_step("xgboost")
PREPROCESS = next(s for s in CASE.steps if isinstance(s, ProcessingStep) and s.module.endswith(".preprocess"))
TARGET_RECALL = float(LINEAR.hyperparameters["target_recall"])
FIGURES = ("auprc_prior_corrected", "precision_prior_corrected", "recall")
BASELINE = "logistic regression (baseline)"
XGB, SEARCHED = "XGBoost", "XGBoost, small search on validation"
# Around the deployed XGBoost, chosen per fold on the validation part by the rule LinearLearner applies
# to its 32 models: precision at the target recall (here prior-corrected), then AUPRC on ties.
SEARCH = [{"max_depth": d, "min_child_weight": m} for d in ("2", "4", "6") for m in ("1", "5")]
Arrays = tuple[np.ndarray, np.ndarray]


def load() -> tuple[np.ndarray, np.ndarray, dict[int, float]]:
    """(features, labels, sampling rate per class) as the preprocessing step reads and counts them."""
    path = verify(DEFAULT_DATA_DIR, CASE.local.raw_files[0], read_manifest(DEFAULT_DATA_DIR))
    data = preprocess.load_transactions(path)
    arguments = PREPROCESS.arguments
    counts = preprocess.parse_counts(arguments[arguments.index("--population-counts") + 1])
    labels = data[preprocess.LABEL].to_numpy()
    rates = preprocess.sampling_meta(labels, counts, str(path))["sampling_rate"]
    return data[preprocess.FEATURES].to_numpy(float), labels, {int(c): r for c, r in rates.items()}


def linear(train: Arrays, validation: Arrays, test: np.ndarray) -> Arrays:
    """(validation scores, test scores) of LinearLearner trained as the training job trains it."""
    hp = Hyperparameters.parse(dict(LINEAR.hyperparameters))
    model = train_linear(*train, hp, *validation, seed=0).model
    return model.scores(validation[0]), model.scores(test)


def xgboost(train: Arrays, validation: Arrays, test: np.ndarray) -> Arrays:
    """(validation scores, test scores) of XGBoost trained as the training job trains it."""
    config = TrainingConfig.parse(dict(XGBOOST.hyperparameters))
    trained = train_xgboost(config, Examples(*train), Examples(*validation), echo=False)
    return trained.predict(validation[0]), trained.predict(test)


def xgboost_searched(train: Arrays, validation: Arrays, test: np.ndarray, rates: dict[int, float]) -> Arrays:
    """(validation scores, test scores) of the SEARCH candidate that does best on the validation part."""
    y, weights = validation[1], metrics.class_weights(validation[1], rates)
    best: tuple[tuple[float, float], np.ndarray, np.ndarray] | None = None
    for change in SEARCH:
        config = TrainingConfig.parse({**XGBOOST.hyperparameters, **change})
        trained = train_xgboost(config, Examples(*train), Examples(*validation), echo=False)
        scores = trained.predict(validation[0])
        flagged = (scores >= metrics.threshold_at_recall(y, scores, TARGET_RECALL)).astype(int)
        key = (metrics.precision(y, flagged, weights), metrics.average_precision(y, scores, weights))
        if best is None or key > best[0]:
            best = (key, scores, trained.predict(test))
    assert best is not None
    return best[1], best[2]


def _scored(y: np.ndarray, scores: np.ndarray, threshold: float, weights: np.ndarray) -> dict[str, float]:
    predicted = (scores >= threshold).astype(int)
    return {
        "auprc_prior_corrected": metrics.average_precision(y, scores, weights),
        "precision_prior_corrected": metrics.precision(y, predicted, weights),
        "recall": metrics.recall(y, predicted),
    }


def one_fold(
    x: np.ndarray, y: np.ndarray, outer: np.ndarray, test: np.ndarray, seed: int, rates: dict[int, float]
) -> dict[str, dict[str, float]]:
    """Every model's held-out figures on one fold; `outer` is split 3:1 into train and validation."""
    train, val = train_test_split(outer, test_size=0.25, stratify=y[outer], random_state=seed)
    weights = metrics.class_weights(y[test], rates)
    out = {}
    search = functools.partial(xgboost_searched, rates=rates)
    for name, fit in (("LinearLearner", linear), (XGB, xgboost), (SEARCHED, search)):
        val_scores, test_scores = fit((x[train], y[train]), (x[val], y[val]), x[test])
        threshold = metrics.threshold_at_recall(y[val], val_scores, TARGET_RECALL)
        out[name] = _scored(y[test], test_scores, threshold, weights)
    train_set, val_set, test_set = (np.column_stack([y[rows], x[rows]]) for rows in (train, val, test))
    lr = baselines.logistic_regression(train_set, val_set, test_set, weights, TARGET_RECALL)
    out[BASELINE] = {
        "auprc_prior_corrected": lr["auprc_prior_corrected"],
        "precision_prior_corrected": lr["test:precision_prior_corrected"],
        "recall": lr["test:recall"],
    }
    return out


def run(folds: int, seeds: int) -> dict[str, dict[str, list[float]]]:
    """Per model and figure, one value per fold seed: the mean over that seed's folds."""
    x, y, rates = load()
    per_seed: dict[str, dict[str, list[float]]] = {}
    for seed in range(seeds):
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        results = [
            one_fold(x, y, outer, test, 1000 * seed + k, rates)
            for k, (outer, test) in enumerate(splitter.split(x, y))
        ]
        for model in results[0]:
            for figure in FIGURES:
                value = statistics.fmean(r[model][figure] for r in results)
                per_seed.setdefault(model, {}).setdefault(figure, []).append(value)
        shown = ", ".join(
            f"{m} {v['auprc_prior_corrected'][-1]:.3f} / {v['precision_prior_corrected'][-1]:.3f}"
            for m, v in per_seed.items()
        )
        print(f"fold seed {seed} (AUPRC / precision, prior-corrected): {shown}", flush=True)
    return per_seed


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "mean": round(statistics.fmean(values), 4),
        "sd": round(statistics.stdev(values), 4),
        "per_seed": [round(v, 4) for v in values],
    }


def goals(per_seed: dict[str, dict[str, list[float]]], model: str) -> dict[str, Any]:
    """The issue's goals for one XGBoost row: AUPRC >= 0.80, and precision above LinearLearner's by more
    than the fold-seed spread (the larger of the two models' sd over fold seeds)."""
    ours, ll = (per_seed[m]["precision_prior_corrected"] for m in (model, "LinearLearner"))
    gain = [a - b for a, b in zip(ours, ll, strict=True)]
    spread = max(statistics.stdev(ours), statistics.stdev(ll))
    auprc = statistics.fmean(per_seed[model]["auprc_prior_corrected"])
    return {
        "auprc_at_least_0.80": {"value": round(auprc, 4), "met": auprc >= 0.80},
        "precision_gain_beyond_spread": {
            "gain_mean": round(statistics.fmean(gain), 4),
            "gain_sd": round(statistics.stdev(gain), 4),
            "spread": round(spread, 4),
            "met": statistics.fmean(gain) > spread,
        },
    }


def markdown(summary: dict[str, dict[str, Any]], met: dict[str, dict[str, Any]], header: str) -> str:
    columns = ("AUPRC, prior-corrected", f"precision at recall {TARGET_RECALL:g}, prior-corrected",
               "recall reached (held-out)")  # fmt: skip
    lines = [header, "", f"| model | {' | '.join(columns)} |", "| --- | --- | --- | --- |"]
    for model, figures in summary.items():
        cells = [f"{figures[f]['mean']:.3f} ± {figures[f]['sd']:.3f}" for f in FIGURES]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    verdict = {True: "met", False: "not met"}
    lines.append("")
    for model, goal in met.items():
        auprc, gain = goal["auprc_at_least_0.80"], goal["precision_gain_beyond_spread"]
        lines += [
            f"- {model}: prior-corrected AUPRC >= 0.80: {auprc['value']:.3f}, {verdict[auprc['met']]}; "
            f"precision minus LinearLearner's, paired by fold seed: {gain['gain_mean']:+.3f} ± "
            f"{gain['gain_sd']:.3f} against a fold-seed spread (the larger sd) of {gain['spread']:.3f}, "
            + verdict[gain["met"]],
        ]
    lines += [
        f"- XGBoost hyperparameters (deployed, untuned): `{dict(XGBOOST.hyperparameters)}`; the search "
        f"varies them by {SEARCH}",
        f"- LinearLearner hyperparameters (deployed, untuned): `{dict(LINEAR.hyperparameters)}`",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5, help="fold seeds: repeats of the k-fold split")
    args = parser.parse_args(argv)
    if args.folds < 2 or args.seeds < 2:
        parser.error("--folds and --seeds must be >= 2")
    started = time.perf_counter()
    per_seed = run(args.folds, args.seeds)
    seconds = time.perf_counter() - started
    summary = {model: {f: _summary(v) for f, v in figures.items()} for model, figures in per_seed.items()}
    met = {model: goals(per_seed, model) for model in (XGB, SEARCHED)}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}: {args.seeds} fold seeds x "
        f"{args.folds} stratified folds in {seconds:.0f} s; mean ± sd over fold seeds"
    )
    text = markdown(summary, met, header)
    print(text)
    results = {
        "measured": header,
        "seconds": round(seconds, 1),
        "target_recall": TARGET_RECALL,
        "models": summary,
        "goals": met,
        "hyperparameters": {
            "XGBoost": dict(XGBOOST.hyperparameters),
            "LinearLearner": dict(LINEAR.hyperparameters),
        },
    }
    publish("fraud_cv", text, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
