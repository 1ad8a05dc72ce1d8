"""The one escape hatch for raw SageMaker integrations: a `CustomState` plus the IAM it needs.

CDK has no task for processing or tuning jobs, and the training/transform tasks cannot name jobs
with nested intrinsics; so every SageMaker job state is built here the same way. `.sync` states
also need the managed EventBridge rule Step Functions uses to learn that a job finished:
https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_stepfunctions as sfn

from stacks.workflow.context import FAILURE, WorkflowContext

# Throttling and transient service faults: retried with backoff. A job that *fails* surfaces as
# States.TaskFailed and is not retried (a new attempt would fail the same way and cost money).
SERVICE_ERRORS = [
    "SageMaker.AmazonSageMakerException",
    "SageMaker.SageMakerException",
    "SageMaker.ThrottlingException",
    "ThrottlingException",
]


@dataclass(frozen=True)
class JobKind:
    api: str  # createTrainingJob
    noun: str  # TrainingJob (IAM action suffix)
    arn_type: str  # training-job
    rule: str | None  # managed EventBridge rule for .sync, None for request-response calls


TRAINING = JobKind("createTrainingJob", "TrainingJob", "training-job", "TrainingJobs")
TUNING = JobKind(
    "createHyperParameterTuningJob", "HyperParameterTuningJob", "hyper-parameter-tuning-job", "TuningJobs"
)
PROCESSING = JobKind("createProcessingJob", "ProcessingJob", "processing-job", "ProcessingJobs")
TRANSFORM = JobKind("createTransformJob", "TransformJob", "transform-job", "TransformJobs")
MODEL = JobKind("createModel", "Model", "model", None)
ENDPOINT_CONFIG = JobKind("createEndpointConfig", "EndpointConfig", "endpoint-config", None)


def sagemaker_arn(arn_type: str, name: str) -> str:
    return f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:{arn_type}/{name}"


def sagemaker_state(
    ctx: WorkflowContext,
    state_id: str,
    *,
    kind: JobKind,
    name_prefix: str,
    parameters: dict[str, Any],
    result_path: str,
    result_selector: dict[str, Any] | None = None,
) -> sfn.CustomState:
    """A SageMaker call (`.sync` for jobs), retried on service errors, caught to the failure path."""
    suffix = ".sync" if kind.rule else ""
    state_json: dict[str, Any] = {
        "Type": "Task",
        "Resource": f"arn:{Aws.PARTITION}:states:::sagemaker:{kind.api}{suffix}",
        "Parameters": parameters,
        "ResultPath": result_path,
    }
    if result_selector:
        state_json["ResultSelector"] = result_selector
    state = sfn.CustomState(ctx.scope, state_id, state_json=state_json)
    state.add_retry(
        errors=SERVICE_ERRORS,
        interval=Duration.seconds(10),
        max_attempts=5,
        backoff_rate=2,
        jitter_strategy=sfn.JitterType.FULL,
    )
    state.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
    _grant(ctx, kind, name_prefix)
    return state


def _grant(ctx: WorkflowContext, kind: JobKind, name_prefix: str) -> None:
    resources = [sagemaker_arn(kind.arn_type, f"{name_prefix}-*")]
    actions = [f"sagemaker:Create{kind.noun}", "sagemaker:AddTags", "sagemaker:ListTags"]
    if kind.rule:
        actions += [f"sagemaker:Describe{kind.noun}", f"sagemaker:Stop{kind.noun}"]
        rule = f"StepFunctionsGetEventsForSageMaker{kind.rule}Rule"
        ctx.allow(
            ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            [f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/{rule}"],
        )
    ctx.allow(actions, resources)
