"""The endpoint config for a release (data capture on, KMS everywhere), and the `release` record the
deploy states and the deployment record read: model, endpoint config and endpoint names."""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from stacks import naming
from stacks.case_parts import TrainingStep
from stacks.workflow.context import FAILURE, RUN, WorkflowContext, failure_pass, title, unique_name
from stacks.workflow.models import model_name_path
from stacks.workflow.sagemaker_tasks import SERVICE_ERRORS, sagemaker_arn

RELEASE = "$.release"
MODEL = "$.model"  # {"step", "model_name"}: the model to deploy
CHOSEN = "$.gate.evaluation.document.chosen"  # evaluation.json names the chosen candidate
VARIANT = "AllTraffic"
CONFIG_STEP = "ec"
_NAME_FROM_ARN = (
    "States.ArrayGetItem(States.StringSplit({}, '/'), 1)"  # endpoint configs are named `<short>-ec-<12 hex>`
)


def endpoint_config_prefix(ctx: WorkflowContext) -> str:
    return naming.job_prefix(ctx.case, CONFIG_STEP)


def _use(ctx: WorkflowContext, step: str) -> sfn.Pass:
    return sfn.Pass(
        ctx.scope,
        title(step, "Use"),
        parameters={"step": step, "model_name.$": model_name_path(step)},
        result_path=MODEL,
    )


def choose_model(ctx: WorkflowContext) -> tuple[sfn.State, list[sfn.Pass]]:
    """The model to deploy: the endpoint's model step, or the candidate the evaluation chose."""
    spec = ctx.case.endpoint
    if not spec.challengers:
        use = _use(ctx, spec.model_step)
        return use, [use]
    uses = [_use(ctx, step) for step in spec.candidates]
    unknown = failure_pass(
        ctx.scope,
        "NoModelChosen",
        "QualityGateFailed",
        f"the evaluation chose {{}}, not one of {', '.join(spec.candidates)}",
        CHOSEN,
    )
    unknown.next(ctx.on_failure)
    # a Choice rule or States.Format on a missing path is a runtime error: test for absence first
    missing = failure_pass(
        ctx.scope, "ModelChoiceMissing", "QualityGateFailed", "evaluation.json of {} chose no model",
        f"{RUN}.execution",
    )  # fmt: skip
    missing.next(ctx.on_failure)
    choice = sfn.Choice(ctx.scope, "ChosenModel")
    for step, use in zip(spec.candidates, uses, strict=True):
        choice.when(sfn.Condition.string_equals(CHOSEN, step), use)
    choice.otherwise(unknown)
    present = (
        sfn.Choice(ctx.scope, "ChooseModel").when(sfn.Condition.is_present(CHOSEN), choice).otherwise(missing)
    )
    return present, uses


def endpoint_config_states(ctx: WorkflowContext) -> tuple[sfn.State, sfn.Pass]:
    spec = ctx.case.endpoint
    assert all(isinstance(ctx.case.step(s), TrainingStep) for s in spec.candidates)  # by CaseStudy
    prefix = endpoint_config_prefix(ctx)
    first, uses = choose_model(ctx)
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
                    "ModelName": sfn.JsonPath.string_at(f"{MODEL}.model_name"),
                    "InitialInstanceCount": spec.instance_count,
                    "InstanceType": ctx.stage.endpoint_instance_type or spec.instance_type,
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
            "model_step.$": f"{MODEL}.step",
            "model_name.$": f"{MODEL}.model_name",
            # SageMaker ARNs carry the name after the first '/'; our names are lower-case already.
            "endpoint_config_name.$": _NAME_FROM_ARN.format("$.deploy.config.EndpointConfigArn"),
        },
        result_path=RELEASE,
    )
    create.next(release)
    for use in uses:
        use.next(create)
    return first, release
