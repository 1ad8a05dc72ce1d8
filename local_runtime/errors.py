"""Errors the local SageMaker raises, shaped like the real service's.

Step Functions names a failed ``aws-sdk``/optimised SageMaker task's error ``SageMaker.<code>``
(https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html), so keeping
the botocore error code lets a state machine's ``Catch`` match the same names locally as on AWS.
"""

from __future__ import annotations


class SageMakerError(Exception):
    """A SageMaker API error: ``code`` is the botocore error code (e.g. ``ValidationException``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class S3Error(Exception):
    """An S3 API error (`NoSuchKey`, `NoSuchBucket`...) from the local S3 behind `aws-sdk:s3` tasks."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class ContractViolation(ValueError):
    """Something AWS would refuse before any execution runs (CreateStateMachine, an alarm's
    notification): local mode refuses it too, naming the resource, the field and the rule."""

    def __init__(self, summary: str, problems: list[str]) -> None:
        super().__init__(summary + ":\n  " + "\n  ".join(problems))
        self.problems = problems


class DamagedState(Exception):
    """State files in the workdir that a run needs cannot be read: each is named with what is wrong,
    and how to recover."""
