"""ARNs and timestamps shared by every local SageMaker job type. Request shapes (names, lengths,
patterns) are checked against botocore's SageMaker model, in `local_runtime.contracts.api_shapes`."""

from __future__ import annotations

import datetime as dt

from local_runtime.cfn import LOCAL_ACCOUNT

# Resource type in the ARN, per job kind: arn:aws:sagemaker:<region>:<account>:<type>/<name>
ARN_TYPES = {
    "TrainingJob": "training-job",
    "ProcessingJob": "processing-job",
    "TransformJob": "transform-job",
    "HyperParameterTuningJob": "hyper-parameter-tuning-job",
}


def arn(kind: str, name: str, region: str) -> str:
    # SageMaker lower-cases resource names in ARNs.
    return f"arn:aws:sagemaker:{region}:{LOCAL_ACCOUNT}:{ARN_TYPES[kind]}/{name.lower()}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
