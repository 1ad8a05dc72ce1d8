"""Names, ARNs and validation rules shared by every local SageMaker job type.

SageMaker resource names must match `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`; tuning job names are
limited to 32 characters because SageMaker appends `-NNN-xxxxxxxx` to name their training jobs.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html and
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from local_runtime.cfn import LOCAL_ACCOUNT
from local_runtime.errors import SageMakerError

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
TUNING_NAME_MAX = 32

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


def require(request: dict[str, Any], *fields: str) -> None:
    """Raise SageMaker's ValidationException for a missing required member (botocore's wording)."""
    for field in fields:
        if request.get(field) in (None, "", [], {}):
            raise SageMakerError("ValidationException", f"Missing required parameter: {field}")


def check_name(kind: str, name: Any, max_length: int = 63) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or len(name) > max_length:
        raise SageMakerError(
            "ValidationException",
            f"1 validation error detected: Value '{name}' at '{kind[0].lower() + kind[1:]}Name' failed to "
            f"satisfy constraint: Member must satisfy regular expression pattern: "
            f"^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,{max_length - 1}}}",
        )
    return name


def s3_uri(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.startswith("s3://") or len(value) <= len("s3://"):
        raise SageMakerError("ValidationException", f"{field} must be an s3:// URI, got {value!r}")
    return value
