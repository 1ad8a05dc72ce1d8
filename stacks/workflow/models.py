"""Models and batch transforms. A model is created from a training step's artifacts, once, and
used both by that step's transforms and (for the endpoint's model step) by the endpoint config."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_stepfunctions as sfn

from stacks import images, naming
from stacks.case_parts import TrainingStep, TransformStep
from stacks.workflow.context import WorkflowContext, data_uri, step_path, title, unique_name
from stacks.workflow.sagemaker_tasks import MODEL, TRANSFORM, sagemaker_state


def model_state(ctx: WorkflowContext, step: TrainingStep) -> sfn.CustomState:
    prefix = naming.job_prefix(ctx.case, f"{step.name}-m")
    container: dict[str, Any] = {
        "Image": images.inference_image(step.algorithm, ctx.stage.region),
        "ModelDataUrl.$": step_path(step.name, "training.ModelArtifacts.S3ModelArtifacts"),
    }
    if step.algorithm.inference_module:
        # The PyTorch serving toolkit imports SAGEMAKER_PROGRAM (".py" stripped, dots allowed) from
        # /opt/ml/model/code, i.e. code/ inside model.tar.gz, which the training script fills; it
        # never reads SAGEMAKER_SUBMIT_DIRECTORY (sagemaker-inference-toolkit, environment.py).
        container["Environment"] = {
            "SAGEMAKER_PROGRAM": step.algorithm.inference_module,
            "SAGEMAKER_REGION": ctx.stage.region,
        }
    return sagemaker_state(
        ctx,
        title(step.name, "CreateModel"),
        kind=MODEL,
        name_prefix=prefix,
        parameters={
            "ModelName.$": unique_name(prefix),
            "ExecutionRoleArn": ctx.sagemaker_role.role_arn,
            "PrimaryContainer": container,
        },
        result_path=step_path(step.name, "model"),
        result_selector={"ModelArn.$": "$.ModelArn"},
    )


def model_name_path(step: str) -> str:
    """createModel returns only the ARN; the name is its last path segment."""
    return f"States.ArrayGetItem(States.StringSplit({step_path(step, 'model.ModelArn')}, '/'), 1)"


def transform_state(ctx: WorkflowContext, step: TransformStep) -> sfn.CustomState:
    prefix = naming.job_prefix(ctx.case, step.name)
    parameters = {
        "TransformJobName.$": unique_name(prefix),
        "ModelName.$": model_name_path(step.model_step),
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": data_uri(step.input)}},
            "ContentType": step.content_type,
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath.$": data_uri(f"{step.name}/{step.output}"),
            "Accept": step.accept,
            "AssembleWith": "Line",
            "KmsKeyId": ctx.key.key_arn,
        },
        "TransformResources": {
            "InstanceCount": 1,
            "InstanceType": step.instance_type,
            "VolumeKmsKeyId": ctx.key.key_arn,
        },
        "BatchStrategy": step.batch_strategy,
    }
    return sagemaker_state(
        ctx,
        title(step.name),
        kind=TRANSFORM,
        name_prefix=prefix,
        parameters=parameters,
        result_path=step_path(step.name, "job"),
        result_selector={
            "TransformJobName.$": "$.TransformJobName",
            "TransformJobStatus.$": "$.TransformJobStatus",
        },
    )
