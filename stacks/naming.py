"""Every physical name and S3 key layout in one place, so the templates, the README and the local
runtime agree. SageMaker names allow [a-zA-Z0-9-] and at most 63 characters (32 for tuning jobs):
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html
"""

from __future__ import annotations

from aws_cdk import Aws

from stacks import config
from stacks.case_study import CaseStudy
from stacks.config import StageConfig

PLATFORM = "platform"  # the platform stack's suffix: `<prefix>-platform`
DEPLOYMENT_RECORD = "record.json"


def stack_name(stage: StageConfig, suffix: str) -> str:
    """Stacks are named as they are identified (`mlcases-dev-fraud-detection`), so the names the
    docs and `cdk ls` print are the ones `cdk deploy` accepts."""
    return config.stack_name(stage.prefix, suffix)


def bucket_name(stage: StageConfig, purpose: str) -> str:
    """Deterministic bucket names (globally unique through account and region), so pipeline stacks
    refer to the platform buckets by name instead of through CloudFormation exports."""
    return f"{stage.prefix}-{purpose}-{Aws.ACCOUNT_ID}-{stage.region}"


def endpoint_name(stage: StageConfig, case: CaseStudy) -> str:
    return f"{stage.prefix}-{case.short_name}"


def alarm_name(stage: StageConfig, case: CaseStudy, what: str) -> str:
    return f"{endpoint_name(stage, case)}-{what}"


def job_prefix(case: CaseStudy, step: str) -> str:
    """Job names are `<prefix>-<12 hex>`: the prefix is at most 19 characters (checked by CaseStudy)."""
    return f"{case.short_name}-{step}"


def raw_prefix(case: CaseStudy) -> str:
    """Key prefix in the data bucket where a case's raw data set goes."""
    return case.raw_prefix


def runs_prefix(case: CaseStudy) -> str:
    """Key prefix in the artifacts bucket; each execution writes under `<this><execution name>/`."""
    return f"runs/{case.id}/"


def deployment_record_key(case: CaseStudy) -> str:
    return f"deployments/{case.id}/{DEPLOYMENT_RECORD}"


def data_capture_prefix(case: CaseStudy) -> str:
    return f"datacapture/{case.id}/"
