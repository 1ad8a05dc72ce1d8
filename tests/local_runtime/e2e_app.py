"""The real CDK app with each case's quick settings (`case.local.quick`), synthesized for the
end-to-end local runs.

Only hyperparameters, tuning budgets and (where a quick model cannot meet them) the gate's threshold
and baseline change; the state machines, the ml_code and the local runtime are the ones `make run` uses.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from stacks.case_parts import TrainingStep
from stacks.case_study import CaseStudy
from stacks.cases import ALL
from stacks.config import load

REPO = Path(__file__).resolve().parents[2]


def fast(case: CaseStudy, **changes: object) -> CaseStudy:
    """`case` with its quick settings; `changes` replace CaseStudy fields (e.g. a stricter gate)."""
    quick = case.local.quick
    steps = []
    for step in case.steps:
        if isinstance(step, TrainingStep):
            hyperparameters = {**step.hyperparameters, **quick.hyperparameters.get(step.name, {})}
            tuning = step.tuning and dataclasses.replace(
                step.tuning, max_jobs=quick.max_tuning_jobs, max_parallel=min(2, quick.max_tuning_jobs)
            )
            if step.name in quick.untuned:
                hyperparameters, tuning = {**hyperparameters, **quick.untuned[step.name]}, None
            step = dataclasses.replace(step, hyperparameters=hyperparameters, tuning=tuning)
        steps.append(step)
    if "gate" not in changes:
        gate = case.gate
        if quick.gate_threshold is not None:
            gate = dataclasses.replace(gate, threshold=quick.gate_threshold)
        if not quick.gate_baseline:
            gate = dataclasses.replace(gate, baseline=None, margin=0.0)
        changes["gate"] = gate
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
    return tuple(fast(case) for case in ALL)
