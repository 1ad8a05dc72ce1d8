"""Processing jobs: `python -m ml_code.<case>.<step>` in the scikit-learn processing image.

The code archive is input `code`; the entrypoint unpacks it and puts the code root on PYTHONPATH
(the container contract in ml_code/README.md). The asset's S3 key is `<hash>.gz`, not
`sourcedir.tar.gz`, hence the glob.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_stepfunctions as sfn

from stacks import images, naming
from stacks.case_parts import ProcessingStep
from stacks.workflow.context import WorkflowContext, data_uri, step_path, title, unique_name
from stacks.workflow.sagemaker_tasks import PROCESSING, sagemaker_state

CODE_DIR = "/opt/ml/processing/input/code"


def processing_state(ctx: WorkflowContext, step: ProcessingStep) -> sfn.CustomState:
    prefix = naming.job_prefix(ctx.case, step.name)
    # The arguments go in ContainerArguments, after `bash -c <script> <$0>`: each entrypoint member
    # may hold 256 characters (the CreateProcessingJob API model), and the gate's alone take ~100.
    script = f'cd {CODE_DIR} && tar xzf *.gz && exec python3 -m {step.module} "$@"'
    arguments = list(ctx.case.arguments(step))
    inputs = [_input("code", ctx.code_uri, CODE_DIR, literal=True)] + [
        _input(name, data_uri(ref), f"/opt/ml/processing/input/{name}") for name, ref in step.inputs.items()
    ]
    outputs = [
        {
            "OutputName": name,
            "S3Output": {
                "S3Uri.$": data_uri(f"{step.name}/{name}"),
                "LocalPath": f"/opt/ml/processing/output/{name}",
                "S3UploadMode": "EndOfJob",
            },
        }
        for name in step.outputs
    ]
    parameters: dict[str, Any] = {
        "ProcessingJobName.$": unique_name(prefix),
        "RoleArn": ctx.sagemaker_role.role_arn,
        "AppSpecification": {
            "ImageUri": images.processing_image(ctx.stage.region),
            "ContainerEntrypoint": ["bash", "-c", script, step.module],
            **({"ContainerArguments": arguments} if arguments else {}),
        },
        "Environment": {"PYTHONPATH": CODE_DIR},
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": step.instance_type,
                "VolumeSizeInGB": 30,
                "VolumeKmsKeyId": ctx.key.key_arn,
            }
        },
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {"Outputs": outputs, "KmsKeyId": ctx.key.key_arn},
        "StoppingCondition": {"MaxRuntimeInSeconds": ctx.case.max_runtime_s},
    }
    return sagemaker_state(
        ctx,
        title(step.name),
        kind=PROCESSING,
        name_prefix=prefix,
        parameters=parameters,
        result_path=step_path(step.name, "job"),
        result_selector={
            "ProcessingJobName.$": "$.ProcessingJobName",
            "ProcessingJobStatus.$": "$.ProcessingJobStatus",
        },
    )


def _input(name: str, uri: str, local_path: str, *, literal: bool = False) -> dict[str, Any]:
    return {
        "InputName": name,
        "S3Input": {
            ("S3Uri" if literal else "S3Uri.$"): uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
        },
    }
