"""Deploy the gated model: endpoint config (data capture, KMS), then create the endpoint the first
time or update it blue/green with a canary and alarm-driven auto-rollback; poll until it settles and
fail as `RolledBack` if the live config is not the new one (a rollback must never look like success).
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks import naming
from stacks.workflow.context import FAILURE, WorkflowContext, failure_pass
from stacks.workflow.endpoint_config import RELEASE, endpoint_config_prefix, endpoint_config_states
from stacks.workflow.sagemaker_tasks import SERVICE_ERRORS, sagemaker_arn

ROLLED_BACK = "RolledBack"
ENDPOINT_FAILED = "EndpointFailed"
STATUS = "$.deploy.status"
EXISTING_STATUS = "$.deploy.existing.EndpointStatus"
NEW_CONFIG = f"{RELEASE}.endpoint_config_name"
_NOT_FOUND = "*Could not find endpoint*"  # DescribeEndpoint's ValidationException message
_NOT_FOUND_ERRORS = [
    "SageMaker.ResourceNotFoundException",
    "SageMaker.ValidationException",
    "SageMaker.SageMakerException",
]
_SETTLING = ("Creating", "Updating", "SystemUpdating", "RollingBack")
_THROTTLING = ["SageMaker.ThrottlingException", "ThrottlingException"]


class Deploy(sfn.StateMachineFragment):
    @property
    def start_state(self) -> sfn.State:
        return self._start

    @property
    def end_states(self) -> list[sfn.INextable]:
        return self._ends

    def __init__(
        self, scope: Construct, construct_id: str, *, ctx: WorkflowContext, alarm_names: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        self._ctx = replace(ctx, scope=self)
        ctx = self._ctx
        self._endpoint_arn = sagemaker_arn("endpoint", naming.endpoint_name(ctx.stage, ctx.case))
        self._config_arn = sagemaker_arn("endpoint-config", f"{endpoint_config_prefix(ctx)}-*")
        first, release = endpoint_config_states(ctx)
        wait, verified = self._poll()
        lookup = self._call("FindEndpoint", "describeEndpoint", {}, "$.deploy.existing", catch=False)
        create = self._call(
            "CreateEndpoint", "createEndpoint", {"EndpointConfigName.$": NEW_CONFIG}, "$.deploy.create"
        )
        missing = (
            sfn.Choice(self, "EndpointExists")
            .when(sfn.Condition.string_matches(f"{FAILURE}.Cause", _NOT_FOUND), create)
            .otherwise(ctx.on_failure)
        )
        lookup.add_catch(missing, errors=_NOT_FOUND_ERRORS, result_path=FAILURE)
        lookup.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
        update = self._call(
            "UpdateEndpoint",
            "updateEndpoint",
            {"EndpointConfigName.$": NEW_CONFIG, "DeploymentConfig": self._deployment_config(alarm_names)},
            "$.deploy.update",
        )
        usable = (
            sfn.Choice(self, "EndpointUsable")
            .when(sfn.Condition.not_(sfn.Condition.string_equals(EXISTING_STATUS, "Failed")), update)
            .otherwise(self._recreate(missing))
        )
        # UpdateEndpoint with AutoRollbackConfiguration checks the alarms as the caller.
        alarm_arns = [
            f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:{n}" for n in alarm_names
        ]
        ctx.allow(["cloudwatch:DescribeAlarms"], alarm_arns)
        create.next(wait)
        release.next(lookup).next(usable)
        update.next(wait)
        self._start: sfn.State = first
        self._ends: list[sfn.INextable] = [verified]

    def _recreate(self, missing: sfn.Choice) -> sfn.State:
        """A `Failed` endpoint allows only DeleteEndpoint: delete it, wait until it is gone (its
        DescribeEndpoint then fails with "Could not find endpoint", which `missing` turns into
        CreateEndpoint). https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html"""
        delete = self._call("DeleteFailedEndpoint", "deleteEndpoint", {}, "$.deploy.delete")
        wait = sfn.Wait(self, "WaitForDeletion", time=sfn.WaitTime.duration(Duration.seconds(30)))
        check = self._call("DescribeDeletion", "describeEndpoint", {}, "$.deploy.deletion", catch=False)
        check.add_catch(missing, errors=_NOT_FOUND_ERRORS, result_path=FAILURE)
        check.add_catch(self._ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
        stuck = failure_pass(
            self,
            "EndpointNotDeleted",
            ENDPOINT_FAILED,
            "the Failed endpoint was deleted but is now {}: {}",
            "$.deploy.deletion.EndpointStatus",
            "States.JsonToString($.deploy.deletion)",
        )
        stuck.next(self._ctx.on_failure)
        deleting = sfn.Condition.string_equals("$.deploy.deletion.EndpointStatus", "Deleting")
        delete.next(wait).next(check).next(
            sfn.Choice(self, "DeletionStatus").when(deleting, wait).otherwise(stuck)
        )
        return delete

    def _deployment_config(self, alarm_names: list[str]) -> dict[str, Any]:
        spec = self._ctx.case.endpoint
        return {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": spec.canary_instances},
                    "WaitIntervalInSeconds": spec.bake_time_s,
                },
                "TerminationWaitInSeconds": spec.termination_wait_s,
                "MaximumExecutionTimeoutInSeconds": spec.max_execution_timeout_s,
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name} for name in alarm_names]},
        }

    def _poll(self) -> tuple[sfn.Wait, sfn.Pass]:
        """Wait -> DescribeEndpoint -> Choice, looping until the endpoint leaves its transitional states."""
        ctx = self._ctx
        wait = sfn.Wait(self, "WaitForEndpoint", time=sfn.WaitTime.duration(Duration.seconds(60)))
        describe = self._call("DescribeEndpoint", "describeEndpoint", {}, STATUS)
        failed = failure_pass(
            self,
            "EndpointNotInService",
            ENDPOINT_FAILED,
            "endpoint ended as {}: {}",
            f"{STATUS}.EndpointStatus",
            f"States.JsonToString({STATUS})",
        )
        failed.next(ctx.on_failure)
        rolled_back = self._rolled_back()
        verified = sfn.Pass(self, "NewConfigLive", result_path=sfn.JsonPath.DISCARD)
        is_new = sfn.Condition.string_equals_json_path(f"{STATUS}.EndpointConfigName", NEW_CONFIG)
        check_config = sfn.Choice(self, "IsNewConfigLive").when(is_new, verified).otherwise(rolled_back)
        settling = [sfn.Condition.string_equals(f"{STATUS}.EndpointStatus", s) for s in _SETTLING]
        status = (
            sfn.Choice(self, "EndpointStatus")
            .when(sfn.Condition.string_equals(f"{STATUS}.EndpointStatus", "InService"), check_config)
            .when(sfn.Condition.or_(*settling), wait)
            .otherwise(failed)
        )
        wait.next(describe).next(status)
        return wait, verified

    def _rolled_back(self) -> sfn.Choice:
        """Fail as `RolledBack`, saying why: SageMaker's FailureReason tells an alarm that fired on
        the canary from a new fleet that never passed its health check (both end InService on the
        old config), and LastDeploymentConfig shows the guardrails that applied."""
        explained = failure_pass(
            self,
            "DeploymentRolledBack",
            ROLLED_BACK,
            "endpoint rolled back to {}; the new config {} is not live. FailureReason: {} "
            "LastDeploymentConfig: {}",
            f"{STATUS}.EndpointConfigName",
            NEW_CONFIG,
            f"{STATUS}.FailureReason",
            f"States.JsonToString({STATUS}.LastDeploymentConfig)",
        )
        unexplained = failure_pass(
            self,
            "DeploymentRolledBackUnexplained",
            ROLLED_BACK,
            "endpoint rolled back to {}; the new config {} is not live. DescribeEndpoint: {}",
            f"{STATUS}.EndpointConfigName",
            NEW_CONFIG,
            f"States.JsonToString({STATUS})",
        )
        for state in (explained, unexplained):
            state.next(self._ctx.on_failure)
        reported = sfn.Condition.and_(
            sfn.Condition.is_present(f"{STATUS}.FailureReason"),
            sfn.Condition.is_present(f"{STATUS}.LastDeploymentConfig"),
        )
        return sfn.Choice(self, "RollbackReason").when(reported, explained).otherwise(unexplained)

    def _call(
        self, state_id: str, action: str, params: dict[str, Any], result_path: str, *, catch: bool = True
    ) -> tasks.CallAwsService:
        ctx = self._ctx
        # Create and Update also name the endpoint config: both ARNs are the call's resources.
        with_config = action in ("createEndpoint", "updateEndpoint")
        resources = [self._endpoint_arn] + ([self._config_arn] if with_config else [])
        state = tasks.CallAwsService(
            self,
            state_id,
            service="sagemaker",
            action=action,
            parameters={"EndpointName": naming.endpoint_name(ctx.stage, ctx.case), **params},
            iam_resources=resources,
            result_path=result_path,
        )
        # FindEndpoint's "not found" is a SageMakerException too: only throttling is retried there.
        state.add_retry(errors=_THROTTLING if not catch else SERVICE_ERRORS, backoff_rate=2, max_attempts=5)
        if catch:
            state.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
        return state
