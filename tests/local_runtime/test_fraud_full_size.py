"""The fraud pipeline runs unchanged on a file of the full Kaggle size and schema (`--data-dir`).

The bundled sample keeps all 492 frauds and 1,230 of the 284,315 legitimate rows; a user pointing
`--data-dir` at Kaggle's `creditcard.csv` gets all of them. The file is generated here with that
schema (quoted header and class, `Time, V1..V28, Amount, Class`) and row count; the quick settings
keep the training short, everything else is what `make run` runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from local_runtime.pipeline import run_case
from stacks.cases.fraud import FRAUD_DETECTION
from tests.local_runtime.e2e_app import fast, synth

pytestmark = pytest.mark.slow
LEGITIMATE, FRAUDS = 284_315, 492


def kaggle_sized(path: Path, seed: int = 0) -> Path:
    """Kaggle's layout: PCA components V1..V28 (centred), Time in seconds over two days, Amount in
    euros, and frauds that differ on a few components and in how they combine."""
    rng = np.random.default_rng(seed)
    n = LEGITIMATE + FRAUDS
    y = np.r_[np.zeros(LEGITIMATE, dtype=int), np.ones(FRAUDS, dtype=int)]
    v = rng.normal(size=(n, 28))
    v[y == 1, 13] -= 4.0  # V14
    v[y == 1, 3] += 2.5 * np.sign(v[y == 1, 10])  # V4, opposite ways depending on V11
    frame = pd.DataFrame(v, columns=[f"V{i}" for i in range(1, 29)])
    frame.insert(0, "Time", np.sort(rng.uniform(0, 172_792, n)).round())
    frame["Amount"] = rng.lognormal(3, 1.5, n).round(2)
    frame["Class"] = [f'"{c}"' for c in y]  # Kaggle quotes the class
    order = rng.permutation(n)
    header = ",".join(f'"{c}"' for c in frame.columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fh.write(header + "\n")
        frame.iloc[order].to_csv(
            fh, header=False, index=False, quoting=3
        )  # csv.QUOTE_NONE: quotes kept as written
    return path


def test_the_pipeline_runs_unchanged_on_the_full_kaggle_size(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kaggle_sized(data / FRAUD_DETECTION.local.folder / "creditcard.csv")
    assembly = synth(tmp_path / "cdk.out", (fast(FRAUD_DETECTION),))
    run = run_case(FRAUD_DETECTION.id, workdir=tmp_path / "work", data_dir=data, assembly_dir=assembly)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    [path] = (tmp_path / "work").rglob("evaluate/evaluation/evaluation.json")
    evaluation = json.loads(path.read_text())
    assert evaluation["sampling_rate"] == {"0": 1.0, "1": 1.0}  # the whole population: nothing to correct
    assert sum(evaluation["n_test"].values()) == round(0.2 * (LEGITIMATE + FRAUDS))
    assert evaluation["chosen"] in ("linear", "xgboost") and run.metrics["auprc_prior_corrected"] > 0.5
