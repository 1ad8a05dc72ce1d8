"""Model quality of the four case studies on the bundled real data, beside the seed's figures.

`python -m bench.ml_quality [--only fraud,moons]` runs each case's quality bench (bench/quality/),
prints a table and writes bench/results/ml_quality.json and ml_quality.md. Each bench drives the
real entry points (preprocessing, the local built-in algorithm or the PyTorch script) on `data/`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RESULTS = ROOT / "bench" / "results"


def _population(work: Path) -> list[tuple[str, str, Any]]:
    from bench.quality import population

    r = population.run(DATA, work)
    return [
        ("explained variance, top 7 of 33 components", "0.8017", f"{r['explained_variance_top_7']:.4f}"),
        ("k-means k=8 silhouette (top 7 components)", "not reported", f"{r['silhouette']:.4f}"),
        ("cluster sizes", "not reported", " / ".join(map(str, r["cluster_sizes"]))),
        ("training seconds (PCA + k-means)", "", f"{r['train_seconds']:.1f}"),
    ]


def _fraud(work: Path) -> list[tuple[str, str, Any]]:
    from bench.quality import fraud

    r = fraud.run(DATA, work)
    return [
        ("recall (5-fold CV, pooled; target >= 0.90)", "0.90 (target)", f"{r['recall']:.3f}"),
        (
            "precision, prior-corrected (target >= 0.112)",
            "0.112 (full data)",
            f"{r['precision_prior_corrected']:.3f}",
        ),
        ("precision on the sample", "", f"{r['precision_sample']:.3f}"),
        ("AUPRC, prior-corrected", "not reported", f"{r['auprc_prior_corrected']:.3f}"),
        ("training seconds (5 folds)", "", f"{r['train_seconds']:.1f}"),
        (
            "recall / prior-corrected precision on fold seeds 1-3 (the seeds the settings were tuned on)",
            "",
            ", ".join(
                f"{o['recall']:.3f} / {o['precision_prior_corrected']:.3f}"
                for o in (fraud.run(DATA, work / f"seed-{seed}", seed=seed) for seed in (1, 2, 3))
            ),
        ),
        (
            "LinearLearner as the seed ran it: train channel only, model and threshold chosen on the"
            " training data; recall / prior-corrected precision on fold seeds 42, 1, 2, 3",
            "0.915 / 0.112 (its test split)",
            ", ".join(
                f"{o['recall']:.3f} / {o['precision_prior_corrected']:.3f}"
                for o in (
                    fraud.run(DATA, work / f"train-only-{seed}", seed=seed, validation_fraction=None)
                    for seed in (fraud.SEED, 1, 2, 3)
                )
            ),
        ),
        *_fraud_references(),
    ]


def _fraud_references() -> list[tuple[str, str, Any]]:
    """scikit-learn models on the same folds: what the sample allows (bench/quality/fraud_reference.py)."""
    from bench.quality import fraud_reference

    names = {
        "logistic_validation_split": "logistic regression, threshold on the validation carve",
        "logistic_inner_cv": "logistic regression, threshold from inner 5-fold CV",
        "gradient_boosting_validation_split": "gradient boosting, threshold on the validation carve",
    }
    rows = []
    for key, r in fraud_reference.run(DATA).items():
        others = ", ".join(
            f"{r['recall_by_seed'][s]:.3f} / {p:.3f}"
            for s, p in r["precision_prior_corrected_by_seed"].items()
            if s != str(fraud_reference.SEEDS[0])
        )
        rows.append(
            (
                f"reference: {names[key]}; recall / prior-corrected precision",
                "",
                f"{r['recall']:.3f} / {r['precision_prior_corrected']:.3f} (fold seeds 1-3: {others})",
            )
        )
    return rows


def _moons(work: Path) -> list[tuple[str, str, Any]]:
    from bench.quality import moons

    r = moons.run(DATA / "moons", work)
    return [
        ("test accuracy (target >= 0.93)", "0.807", f"{r['test_accuracy']:.3f}"),
        ("validation accuracy (45 rows)", "", f"{r['validation_accuracy']:.3f}"),
        ("training seconds", "", f"{r['train_seconds']:.1f}"),
    ]


def _power(work: Path) -> list[tuple[str, str, Any]]:
    from bench.quality import power

    r = power.run(DATA, work)
    ours, naive, se = r["deepar"], r["naive_last_30_mean"], r["deepar_standard_error"]
    seconds = sum(run.get("train_seconds", 0.0) for run in r["deepar_runs"]) / max(len(r["deepar_runs"]), 1)
    return [
        (
            "test RMSE (mean of seeds +- standard error)",
            "0.348 (naive 0.340)",
            f"{ours['RMSE']:.4f} +- {se['RMSE']:.4f} (naive {naive['RMSE']:.4f})",
        ),
        (
            "test mean wQuantileLoss",
            "0.143 (naive 0.183)",
            f"{ours['mean_wQuantileLoss']:.4f} +- {se['mean_wQuantileLoss']:.4f}"
            f" (naive {naive['mean_wQuantileLoss']:.4f})",
        ),
        ("beats the seed and the naive forecast on both", "", str(r["beats_seed_and_naive_on_both"])),
        ("training seconds per run", "", f"{seconds:.1f}"),
    ]


BENCHES: dict[str, Callable[[Path], list[tuple[str, str, Any]]]] = {
    "population": _population,
    "fraud": _fraud,
    "moons": _moons,
    "power": _power,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset")
    args = parser.parse_args(argv)
    rows: dict[str, list[tuple[str, str, Any]]] = {}
    seconds: dict[str, float] = {}
    for name in args.only.split(","):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            rows[name] = BENCHES[name](Path(tmp))
        seconds[name] = round(time.perf_counter() - started, 1)
    lines = ["| case | figure | seed | ours |", "| --- | --- | --- | --- |"]
    lines += [f"| {case} | {f} | {seed} | {ours} |" for case, rs in rows.items() for f, seed, ours in rs]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}; bench wall seconds: {seconds}"
    text = header + "\n\n" + "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ml_quality.md").write_text(text)
    (RESULTS / "ml_quality.json").write_text(json.dumps({"measured": header, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
