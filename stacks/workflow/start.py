"""The first states: merge the (optional) start input over defaults derived from the stack, and fix
the execution's S3 prefix. The start input is small: `{}` runs on the case's raw-data prefix;
`{"raw_data_uri": "s3://..."}` points one execution at another data set."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn

from stacks import naming
from stacks.workflow.context import CONFIG, RUN, WorkflowContext


def defaults(ctx: WorkflowContext, data_bucket: str) -> dict[str, str]:
    return {"raw_data_uri": f"s3://{data_bucket}/{naming.raw_prefix(ctx.case)}"}


def start_states(ctx: WorkflowContext, data_bucket: str) -> sfn.Chain:
    # Execution names are unique per state machine and kept by a redrive, so they make a stable
    # per-execution S3 prefix; job names get their own per-attempt suffix (context.unique_name).
    runs = f"s3://{ctx.artifacts_bucket}/{naming.runs_prefix(ctx.case)}"
    init = sfn.Pass(
        ctx.scope,
        "Start",
        parameters={
            "input.$": "$",
            "defaults": defaults(ctx, data_bucket),
            _key(RUN): {
                "execution.$": "$$.Execution.Name",
                "prefix.$": f"States.Format('{runs}{{}}/', $$.Execution.Name)",
            },
        },
        result_path="$",
    )
    resolve = sfn.Pass(
        ctx.scope,
        "ResolveConfig",
        parameters={
            f"{_key(CONFIG)}.$": "States.JsonMerge($.defaults, $.input, false)",
            f"{_key(RUN)}.$": RUN,
        },
        result_path="$",
    )
    return init.next(resolve)


def _key(path: str) -> str:
    return path.removeprefix("$.")
