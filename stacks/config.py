"""Stage configuration: enters the app once, from CDK context and the environment, and is checked here.

`-c stage=dev|prod` picks the stage; `-c region=...` (default in cdk.json) picks the region, which
must be concrete at synth time because SageMaker image URIs differ per region. The account may stay
unknown (environment-agnostic templates use `AWS::AccountId`). `-c endpoint_instance_type=...`
serves every case's endpoint on another instance type (the cheap dev profile: `ml.t2.medium`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

STAGES = ("dev", "prod")
PROJECT = "mlcases"
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")


class ConfigError(ValueError):
    """Bad stage configuration; the message names the key and the valid choices."""


@dataclass(frozen=True)
class StageConfig:
    stage: str
    region: str
    account: str | None
    retain_data: bool  # prod keeps the key, buckets and log groups (1 year, not 1 month) on delete
    project: str = PROJECT
    endpoint_instance_type: str | None = None  # overrides every case's EndpointSpec.instance_type

    @property
    def prefix(self) -> str:
        """Prefix of every physical name this stage creates (stacks, endpoints, alarms)."""
        return prefix(self.stage, self.project)


def prefix(stage: str, project: str = PROJECT) -> str:
    return f"{project}-{stage}"


def stack_name(prefix: str, suffix: str) -> str:
    """A stack's name, also its construct id: what `cdk ls` prints and `cdk deploy` accepts."""
    return f"{prefix}-{suffix}"


def load(context: Callable[[str], object], environ: dict[str, str] | None = None) -> StageConfig:
    """Build the stage config from `app.node.try_get_context` and the environment, or fail loudly."""
    env = dict(os.environ if environ is None else environ)
    stage = str(context("stage") or "dev")
    if stage not in STAGES:
        raise ConfigError(f"context 'stage' is {stage!r}; expected one of {', '.join(STAGES)} (-c stage=dev)")
    region = str(context("region") or env.get("CDK_DEFAULT_REGION") or env.get("AWS_REGION") or "")
    if not _REGION.match(region):
        raise ConfigError(
            f"region is {region!r}; set -c region=<aws region> (e.g. us-east-1) or AWS_REGION: "
            "SageMaker image URIs are resolved per region at synth time"
        )
    account = str(context("account") or env.get("CDK_DEFAULT_ACCOUNT") or "") or None
    if account is not None and not _ACCOUNT.match(account):
        raise ConfigError(f"account is {account!r}; expected 12 digits (-c account=<account id>)")
    instance_type = str(context("endpoint_instance_type") or "") or None
    if instance_type is not None and instance_type not in endpoint_instance_types():
        raise ConfigError(
            f"endpoint_instance_type is {instance_type!r}; expected a SageMaker real-time instance type "
            "(ProductionVariantInstanceType), e.g. -c endpoint_instance_type=ml.t2.medium"
        )
    return StageConfig(
        stage, region, account, retain_data=stage == "prod", endpoint_instance_type=instance_type
    )


def endpoint_instance_types() -> frozenset[str]:
    """The instance types SageMaker accepts for an endpoint's production variant, from the API model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(model.shape_for("ProductionVariantInstanceType").enum)
