"""The real CDK app with fast settings, synthesized once for the end-to-end local runs.

Only hyperparameters and tuning budgets shrink (fewer epochs, two tuning jobs); the state machines,
the ml_code and the local runtime are the ones `make run` uses.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

from stacks.case_parts import TrainingStep
from stacks.case_study import CaseStudy
from stacks.cases import ALL
from stacks.config import load

REPO = Path(__file__).resolve().parents[2]
FAST_HYPERPARAMETERS: Mapping[str, Mapping[str, str]] = {
    "moon-classification": {},
    "fraud-detection": {"epochs": "3"},
    "power-forecasting": {
        "epochs": "2",
        "num_cells": "10",
        "num_layers": "1",
        "early_stopping_patience": "2",
    },
    "population-segmentation": {},
}


# Cases trained without tuning here: a tuning job draws new candidates each run (the definitions
# carry no RandomSeed), so a rerun's model could lose to the deployed one at the gate; the runs
# that update or roll back an endpoint need the same model quality every time.
UNTUNED = {"moon-classification": {"hidden_dim": "24", "lr": "0.01"}}


def fast(case: CaseStudy, **changes: object) -> CaseStudy:
    """`case` with quick training; `changes` replace CaseStudy fields (e.g. a stricter gate)."""
    steps = []
    for step in case.steps:
        if isinstance(step, TrainingStep):
            hyperparameters = {**step.hyperparameters, **FAST_HYPERPARAMETERS[case.id]}
            tuning = step.tuning and dataclasses.replace(step.tuning, max_jobs=2, max_parallel=2)
            if case.id in UNTUNED:
                hyperparameters, tuning = {**hyperparameters, **UNTUNED[case.id]}, None
            step = dataclasses.replace(step, hyperparameters=hyperparameters, tuning=tuning)
        steps.append(step)
    return dataclasses.replace(case, steps=tuple(steps), **changes)  # type: ignore[arg-type]


def synth(outdir: Path, cases: tuple[CaseStudy, ...]) -> Path:
    from aws_cdk import App

    from stacks.app_builder import build

    context = {**json.loads((REPO / "cdk.json").read_text())["context"], "aws:cdk:disable-stack-trace": True}
    app = App(outdir=str(outdir), context=context, builtin_cloud_formation_validation=False)
    build(app, load({"stage": "dev", "region": "us-east-1"}.get, {}), cases, bootstrap_rule=False)
    app.synth()
    return outdir


def fast_cases() -> tuple[CaseStudy, ...]:
    """Every case with quick training; a 5-epoch DeepAR cannot meet the real RMSE gate (0.5), so its
    gate is loosened here: these runs test the pipeline's paths, bench/ measures model quality."""
    cases = []
    for case in ALL:
        changes = {}
        if case.id == "power-forecasting":
            changes["gate"] = dataclasses.replace(case.gate, threshold=2.0)
        cases.append(fast(case, **changes))
    return tuple(cases)
