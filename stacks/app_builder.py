"""Builds the whole app (platform + one pipeline stack per case study) for app.py and the tests."""

from __future__ import annotations

from aws_cdk import App, DefaultStackSynthesizer, Environment, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from stacks import naming
from stacks.case_study import CaseStudy
from stacks.cases import ALL
from stacks.config import StageConfig
from stacks.pipeline_stack import PipelineStack
from stacks.platform_stack import PlatformStack


def build(
    app: App, stage: StageConfig, cases: tuple[CaseStudy, ...] = ALL, *, bootstrap_rule: bool = True
) -> dict[str, Stack]:
    """Add the stacks to `app` (keyed `platform` and by case id), with cdk-nag's AwsSolutions checks
    as a validation plugin. Tests pass `bootstrap_rule=False` for deterministic templates."""
    env = Environment(account=stage.account, region=stage.region)
    platform = PlatformStack(
        app,
        naming.stack_name(stage, naming.PLATFORM),
        stack_name=naming.stack_name(stage, naming.PLATFORM),
        stage=stage,
        env=env,
        synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=bootstrap_rule),
        description=f"{stage.prefix}: shared key, buckets and notifications",
    )
    stacks: dict[str, Stack] = {"platform": platform}
    for case in cases:
        pipeline = PipelineStack(
            app,
            naming.stack_name(stage, case.id),
            stack_name=naming.stack_name(stage, case.id),
            stage=stage,
            case=case,
            key=platform.key,
            topic=platform.topic,
            env=env,
            synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=bootstrap_rule),
            description=f"{stage.prefix}: {case.description}",
        )
        pipeline.add_stack_dependency(platform)  # buckets are found by name, not by reference
        stacks[case.id] = pipeline
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks
