"""Quality benchmark of the power forecast: preprocess and DeepAR training through their entry points.

Scores the seed's test windows (the last 30 days of 2007, 2008 and 2009, each conditioned on the year
before it) as DeepAR reports them, beside the naive forecast (the mean of the last 30 days), with
the same metric functions. Targets from the seed: its SageMaker DeepAR scored RMSE 0.348 and
mean wQuantileLoss 0.143; the naive forecast scores 0.340 and 0.183. Several seeds are averaged
so that one lucky initialisation cannot pass the gate. Hyperparameters are chosen with `holdout`,
which scores validation windows before the test windows, never with the test scores.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ml_code.builtin import deepar
from ml_code.common.io import read_jsonlines, write_jsonlines
from ml_code.common.sm_env import JobFolder
from ml_code.power_forecasting import evaluate, preprocess

# The seed's hyperparameters except epochs 10 (not 50), learning_rate 0.0005 (not 0.001), dropout_rate
# 0.8 (not the default 0.1) and num_eval_samples 1000 (not 100), all chosen with `holdout` below, on
# validation windows that never touch the test windows. Mean over seeds 0-2 there (RMSE / mean
# wQuantileLoss; the naive forecast scores 0.437 / 0.238): 50 epochs 0.765 / 0.424, 20 epochs
# 0.506 / 0.241, 10 epochs 0.454 / 0.206, 5 epochs 0.489 / 0.223, 10 epochs at learning rate 0.0005
# 0.447 / 0.201; 20 cells, 1 layer, context 60, gaussian, learning rate 0.002 and mini_batch_size 32
# did no better. Longer training learns a downward drift: test windows lie past every training window
# in day-of-year and age. From there, with num_eval_samples 1000 (less Monte-Carlo noise in the mean
# and quantiles) 0.445 / 0.200; then dropout_rate 0.05 0.446 / 0.200, 0.2 0.440 / 0.198, 0.3
# 0.436 / 0.196, 0.4 0.430 / 0.193, 0.5 0.422 / 0.189, 0.6 0.418 / 0.188, 0.7 0.401 / 0.180,
# 0.8 0.379 / 0.172 (best), 0.9 0.393 / 0.186; num_cells 40 0.450 /
# 0.203, num_layers 3 0.465 / 0.211, mini_batch_size 64 0.516 / 0.243, 15 epochs at learning rate
# 0.0003 0.466 / 0.212; lags cut to one year (the docs name lags up to a year, GluonTS adds two and
# three years) 0.469 / 0.214, so GluonTS's lags stay. Single changes from these settings, all worse
# than their 0.379 / 0.172: num_cells 30 0.393 / 0.187, num_cells 80 0.411 / 0.186, 1 layer
# 0.466 / 0.211, context 14 0.438 / 0.200, context 60 0.398 / 0.179, mini_batch_size 32
# 0.444 / 0.208, 15 epochs 0.404 / 0.182.
SEED_HYPERPARAMETERS = {
    "time_freq": "D", "context_length": "30", "prediction_length": "30", "epochs": "50",
    "num_cells": "50", "num_layers": "2", "learning_rate": "0.001", "early_stopping_patience": "10",
    "mini_batch_size": "128",
}  # fmt: skip
HYPERPARAMETERS = {
    **SEED_HYPERPARAMETERS, "epochs": "10", "learning_rate": "0.0005", "dropout_rate": "0.8",
    "num_eval_samples": "1000",
}  # fmt: skip
SEEDS = (0, 1, 2)
SEED_DEEPAR = {"RMSE": 0.348, "mean_wQuantileLoss": 0.143}
QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _train(
    root: Path, hyperparameters: dict[str, str], channels: dict[str, Path]
) -> tuple[dict[str, float], float]:
    """One training job; returns the `#metric` lines it printed and its wall-clock seconds."""
    settings = {name: {"ContentType": "application/jsonlines"} for name in channels}
    job = JobFolder(root).write_training_config(hyperparameters, settings)
    for name, folder in channels.items():
        shutil.copytree(folder, job.channel(name), dirs_exist_ok=True)
    out = io.StringIO()
    started = time.perf_counter()
    with job.active(), contextlib.redirect_stdout(out):
        rc = deepar.main(["train"])
    seconds = time.perf_counter() - started
    if rc != 0:
        raise RuntimeError(f"deepar train exited with {rc}:\n{out.getvalue()[-2000:]}")
    metrics = {k: float(v) for k, v in re.findall(r"^#metric test:(\S+)=(\S+)$", out.getvalue(), flags=re.M)}
    return metrics, seconds


def run(
    data_dir: Path,
    workdir: Path,
    *,
    hyperparameters: dict[str, str] | None = None,
    seeds: Sequence[int] = SEEDS,
) -> dict[str, Any]:
    raw, pre = workdir / "raw", workdir / "preprocess"
    raw.mkdir(parents=True)
    shutil.copy(data_dir / "power" / "daily_mean_global_active_power.csv", raw)
    argv = [
        "--input-dir",
        f"raw={raw}",
        "--output-dir",
        f"train={pre / 'train'}",
        "--output-dir",
        f"test={pre / 'test'}",
    ]
    if preprocess.main(argv) != 0:
        raise RuntimeError("preprocess failed")
    tests = [r["target"] for r in read_jsonlines(pre / "test" / "test.json")]
    naive = evaluate.score([evaluate.naive_window(t, 30, QUANTILES) for t in tests], QUANTILES)
    runs = []
    for seed in seeds:
        hp = {**(hyperparameters or HYPERPARAMETERS), "random_seed": str(seed)}
        metrics, seconds = _train(
            workdir / f"deepar-seed{seed}", hp, {"train": pre / "train", "test": pre / "test"}
        )
        scores = {k: metrics[k] for k in SEED_DEEPAR}
        runs.append({"seed": seed, **scores, "train_seconds": round(seconds, 1)})
    mean = {k: statistics.fmean(r[k] for r in runs) for k in ("RMSE", "mean_wQuantileLoss", "train_seconds")}
    spread = (
        {k: statistics.stdev(r[k] for r in runs) / len(runs) ** 0.5 for k in SEED_DEEPAR}
        if len(runs) > 1
        else {}
    )
    beats = all(mean[k] < min(SEED_DEEPAR[k], naive[k]) for k in SEED_DEEPAR)
    return {
        "deepar": {k: round(v, 4) for k, v in mean.items()},
        "deepar_standard_error": {k: round(v, 4) for k, v in spread.items()},
        "deepar_runs": runs,
        "naive_last_30_mean": {k: round(naive[k], 4) for k in SEED_DEEPAR},
        "seed_deepar": SEED_DEEPAR,
        "beats_seed_and_naive_on_both": beats,
        "hyperparameters": hyperparameters or HYPERPARAMETERS,
    }


def holdout(
    data_dir: Path, workdir: Path, hyperparameters: dict[str, str], seeds: Sequence[int] = SEEDS
) -> dict[str, float]:
    """Mean validation scores: each year trained without its last 60 days, scored on the 30 days before."""
    years = list(read_jsonlines(data_dir / "power" / "deepar_udacity" / "test.json"))
    train, valid = workdir / "holdout-train", workdir / "holdout-valid"
    write_jsonlines(train / "train.json", ({**r, "target": r["target"][:-60]} for r in years))
    write_jsonlines(valid / "test.json", ({**r, "target": r["target"][:-30]} for r in years))
    runs = [
        _train(workdir / f"holdout-seed{seed}", {**hyperparameters, "random_seed": str(seed)},
               {"train": train, "test": valid})[0]
        for seed in seeds
    ]  # fmt: skip
    return {k: round(statistics.fmean(r[k] for r in runs), 4) for k in SEED_DEEPAR}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bench-power-") as tmp:
        print(json.dumps(run(Path(__file__).resolve().parents[2] / "data", Path(tmp)), indent=2))
