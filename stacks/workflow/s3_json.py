"""Reading and writing small JSON documents in the artifacts bucket (evaluation.json, the deployment
record) with the AWS SDK integrations; Step Functions has no optimized S3 object task."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from stacks.workflow.context import FAILURE, WorkflowContext

S3_RETRY_ERRORS = ["S3.SdkClientException", "S3.S3Exception", "S3.InternalErrorException"]


def object_arn(bucket: str, key: str) -> str:
    return f"arn:{Aws.PARTITION}:s3:::{bucket}/{key}"


def read_json(
    ctx: WorkflowContext, state_id: str, *, key: str, key_path: str | None, result_path: str
) -> tasks.CallAwsService:
    """GetObject + States.StringToJson: `<result_path>` is the parsed document. `key_path` (an
    intrinsic) overrides `key` at run time; `key` is then the IAM resource pattern."""
    params = {"Bucket": ctx.artifacts_bucket, "Key": sfn.JsonPath.string_at(key_path) if key_path else key}
    state = tasks.CallAwsService(
        ctx.scope,
        state_id,
        service="s3",
        action="getObject",
        parameters=params,
        iam_resources=[object_arn(ctx.artifacts_bucket, key)],
        result_selector={"document.$": "States.StringToJson($.Body)"},
        result_path=result_path,
    )
    state.add_retry(errors=S3_RETRY_ERRORS, backoff_rate=2, max_attempts=3)
    return state


def write_json(
    ctx: WorkflowContext, state_id: str, *, key: str, body_path: str, result_path: str
) -> tasks.CallAwsService:
    state = tasks.CallAwsService(
        ctx.scope,
        state_id,
        service="s3",
        action="putObject",
        parameters={
            "Bucket": ctx.artifacts_bucket,
            "Key": key,
            "Body": sfn.JsonPath.json_to_string(sfn.JsonPath.object_at(body_path)),
            "ContentType": "application/json",
        },
        iam_resources=[object_arn(ctx.artifacts_bucket, key)],
        result_selector={"ETag.$": "$.ETag"},
        result_path=result_path,
    )
    state.add_retry(errors=S3_RETRY_ERRORS, backoff_rate=2, max_attempts=3)
    state.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
    return state
