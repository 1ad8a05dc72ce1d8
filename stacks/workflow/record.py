"""On success, the deployment record: what is live, how good it was, when and by which execution.
The next execution's gate compares its candidate with this record."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from stacks import naming
from stacks.workflow.context import WorkflowContext
from stacks.workflow.endpoint_config import RELEASE
from stacks.workflow.gate import METRIC
from stacks.workflow.s3_json import write_json


def record_states(ctx: WorkflowContext) -> sfn.Chain:
    build = sfn.Pass(
        ctx.scope,
        "BuildDeploymentRecord",
        parameters={
            "case_study": ctx.case.id,
            "endpoint_name.$": f"{RELEASE}.endpoint_name",
            "model_name.$": f"{RELEASE}.model_name",
            "model_step.$": f"{RELEASE}.model_step",
            "endpoint_config_name.$": f"{RELEASE}.endpoint_config_name",
            "metric.$": METRIC,
            "time.$": "$$.State.EnteredTime",
            "execution.$": "$$.Execution.Id",
        },
        result_path="$.record",
    )
    write = write_json(
        ctx,
        "WriteDeploymentRecord",
        key=naming.deployment_record_key(ctx.case),
        body_path="$.record",
        result_path="$.record_write",
    )
    return build.next(write).next(sfn.Succeed(ctx.scope, "Deployed"))
