"""The endpoint config for a release (data capture on, KMS everywhere), and the `release` record the
deploy states and the deployment record read: model, endpoint config and endpoint names."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from stacks import naming
from stacks.case_parts import TrainingStep
from stacks.workflow.context import FAILURE, WorkflowContext, unique_name
from stacks.workflow.models import model_name_path
from stacks.workflow.sagemaker_tasks import SERVICE_ERRORS, sagemaker_arn

RELEASE = "$.release"
VARIANT = "AllTraffic"
CONFIG_STEP = "ec"
_NAME_FROM_ARN = (
    "States.ArrayGetItem(States.StringSplit({}, '/'), 1)"  # endpoint configs are named `<short>-ec-<12 hex>`
)


def endpoint_config_prefix(ctx: WorkflowContext) -> str:
    return naming.job_prefix(ctx.case, CONFIG_STEP)


def endpoint_config_states(ctx: WorkflowContext) -> tuple[sfn.State, sfn.Pass]:
    spec = ctx.case.endpoint
    model_step = ctx.case.step(spec.model_step)
    assert isinstance(model_step, TrainingStep)  # guaranteed by CaseStudy
    prefix = endpoint_config_prefix(ctx)
    capture = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{ctx.artifacts_bucket}/{naming.data_capture_prefix(ctx.case)}",
        "KmsKeyId": ctx.key.key_arn,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {
            "CsvContentTypes": ["text/csv"],
            "JsonContentTypes": ["application/json", "application/jsonlines"],
        },
    }
    # The AWS SDK integration, not the optimized `sagemaker:createEndpointConfig`: that one accepts
    # only EndpointConfigName, KmsKeyId, ProductionVariants and Tags, so DataCaptureConfig would fail
    # CreateStateMachine (see local_runtime/contracts/integrations.py for the lists and sources).
    create = tasks.CallAwsService(
        ctx.scope,
        "CreateEndpointConfig",
        service="sagemaker",
        action="createEndpointConfig",
        parameters={
            "EndpointConfigName": sfn.JsonPath.string_at(unique_name(prefix)),
            "ProductionVariants": [
                {
                    "VariantName": VARIANT,
                    "ModelName": sfn.JsonPath.string_at(model_name_path(spec.model_step)),
                    "InitialInstanceCount": spec.instance_count,
                    "InstanceType": spec.instance_type,
                    "InitialVariantWeight": 1,
                }
            ],
            "DataCaptureConfig": capture,
            "KmsKeyId": ctx.key.key_arn,
        },
        iam_resources=[sagemaker_arn("endpoint-config", f"{prefix}-*")],
        result_path="$.deploy.config",
        result_selector={"EndpointConfigArn.$": "$.EndpointConfigArn"},
    )
    create.add_retry(errors=SERVICE_ERRORS, backoff_rate=2, max_attempts=5)
    create.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
    release = sfn.Pass(
        ctx.scope,
        "NameRelease",
        parameters={
            "endpoint_name": naming.endpoint_name(ctx.stage, ctx.case),
            "model_name.$": model_name_path(spec.model_step),
            # SageMaker ARNs carry the name after the first '/'; our names are lower-case already.
            "endpoint_config_name.$": _NAME_FROM_ARN.format("$.deploy.config.EndpointConfigArn"),
        },
        result_path=RELEASE,
    )
    create.next(release)
    return create, release
