"""Synthesizes the whole app once per test session (with cdk-nag as a validation plugin) and hands
the templates, the nag report and the state machine definitions to every test in tests/stacks.

Deterministic: fixed test account/region (never used outside tests), no bootstrap-version rule,
CDK's built-in CloudFormation validation off (the `make synth` step keeps it on).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # validate_asl, asl_spec

from validate_asl import state_machine_definitions

from local_runtime.cfn import Resolver
from stacks.config import StageConfig, load

REPO = Path(__file__).resolve().parents[2]
TEST_ACCOUNT = "111111111111"
TEST_REGION = "us-east-1"


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    templates: dict[str, dict[str, Any]]  # construct id -> template
    validation_report: dict[str, Any]
    validation_error: str | None
    _assertions: dict[str, Template] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def resolver(self) -> Resolver:
        """The local runtime's resolver, over every stack: the tests check what local runs execute."""
        return Resolver(self.templates, account=TEST_ACCOUNT, region=TEST_REGION)

    def template(self, stack: str) -> Template:
        """The stack's template for the CDK assertions library (`Match`, `Capture`)."""
        if stack not in self._assertions:
            self._assertions[stack] = Template.from_json(self.templates[stack])
        return self._assertions[stack]

    def definition(self, stack: str) -> dict[str, Any]:
        (definition,) = state_machine_definitions(self.resolver, stack).values()
        return definition


def cdk_context() -> dict[str, Any]:
    return dict(json.loads((REPO / "cdk.json").read_text())["context"])


def stage_for_tests() -> StageConfig:

    values = {"stage": "dev", "region": TEST_REGION, "account": TEST_ACCOUNT}
    return load(values.get, {})


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from aws_cdk import App

    from stacks.app_builder import build

    outdir = tmp_path_factory.mktemp("cdk.out")
    context = {**cdk_context(), "aws:cdk:disable-stack-trace": True}
    app = App(outdir=str(outdir), context=context, builtin_cloud_formation_validation=False)
    build(app, stage_for_tests(), bootstrap_rule=False)
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings fail synth; templates are written before that
        error = str(exc)
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text())
        for p in outdir.glob("*.template.json")
    }
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {"pluginReports": []}
    return Synthesized(outdir, templates, report, error)
