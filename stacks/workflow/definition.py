"""The whole workflow of one case study, chained once, top to bottom:
start -> steps (processing / training or tuning / model / transform) -> gate -> deploy -> record."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from stacks.case_parts import ProcessingStep, TrainingStep, TransformStep
from stacks.workflow.context import WorkflowContext
from stacks.workflow.deploy import Deploy
from stacks.workflow.gate import QualityGate
from stacks.workflow.models import model_state, transform_state
from stacks.workflow.processing import processing_state
from stacks.workflow.record import record_states
from stacks.workflow.start import start_states
from stacks.workflow.training import training_chain


def build_definition(ctx: WorkflowContext, *, data_bucket: str, alarm_names: list[str]) -> sfn.Chain:
    chain = start_states(ctx, data_bucket)
    for step in ctx.case.steps:
        chain = chain.next(_step(ctx, step))
    gate = QualityGate(ctx.scope, "Gate", ctx=ctx)
    deploy = Deploy(ctx.scope, "Deploy", ctx=ctx, alarm_names=alarm_names)
    return chain.next(gate).next(deploy).next(record_states(ctx))


def _step(ctx: WorkflowContext, step: ProcessingStep | TrainingStep | TransformStep) -> sfn.IChainable:
    if isinstance(step, ProcessingStep):
        return processing_state(ctx, step)
    if isinstance(step, TransformStep):
        return transform_state(ctx, step)
    # A model is needed by transforms of this step and by the endpoint: create it right after training.
    return sfn.Chain.start(training_chain(ctx, step)).next(model_state(ctx, step))
