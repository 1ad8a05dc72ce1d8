"""What every state builder needs, in one frozen object, and the IAM statements they collect.

Processing, tuning and the other raw SageMaker states are `CustomState`s, which grant nothing by
themselves; each builder records its statements here and the pipeline stack attaches them to the
state machine role, beside the state that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.case_study import CaseStudy
from stacks.config import StageConfig

RUN = "$.run"  # {"execution": ..., "prefix": "s3://<artifacts>/runs/<case>/<execution>/"}
CONFIG = "$.config"  # the start input merged over the defaults: {"raw_data_uri": ...}
FAILURE = "$.failure"  # {"Error": ..., "Cause": ...} of whatever failed


@dataclass(frozen=True)
class WorkflowContext:
    scope: Construct
    case: CaseStudy
    stage: StageConfig
    sagemaker_role: iam.IRole
    key: kms.IKey
    artifacts_bucket: str
    code_uri: str  # s3:// URI of the ml_code sourcedir archive
    on_failure: sfn.IChainable  # every Catch goes here (notify, then fail)
    statements: list[iam.PolicyStatement] = field(default_factory=list)

    def allow(self, actions: list[str], resources: list[str]) -> None:
        self.statements.append(iam.PolicyStatement(actions=actions, resources=resources))


def path_key(step: str) -> str:
    """Step names use hyphens (they go into job names); JSONPath dot notation needs underscores."""
    return step.replace("-", "_")


def step_path(step: str, part: str = "") -> str:
    """Where a step's results live in the state: `$.steps.<step>[.<part>]`."""
    return f"$.steps.{path_key(step)}" + (f".{part}" if part else "")


def data_uri(ref: str) -> str:
    """An intrinsic that renders a data reference (`raw` or `<step>/<output>`) as an s3:// prefix."""
    if ref == "raw":
        return f"{CONFIG}.raw_data_uri"
    return f"States.Format('{{}}{ref}/', {RUN}.prefix)"


def unique_name(prefix: str) -> str:
    """A job/model name unique per attempt: retries and redrives re-evaluate Parameters, so a fresh
    UUID segment (12 hex digits) never collides with the name of a failed or running attempt."""
    return f"States.Format('{prefix}-{{}}', States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"


def title(step: str, verb: str = "") -> str:
    """State names: `Preprocess`, `TrainPca`, `CreateModelKmeans` (readable in the console)."""
    return verb + "".join(part.capitalize() for part in step.split("-"))


def failure_pass(scope: Construct, state_id: str, error: str, template: str, *paths: str) -> sfn.Pass:
    """A Pass that names the failure (`error`) and formats its figures into the cause; it then goes
    to the common failure path like any caught error."""
    cause = f"States.Format('{template}', {', '.join(paths)})"
    return sfn.Pass(scope, state_id, parameters={"Error": error, "Cause.$": cause}, result_path=FAILURE)
