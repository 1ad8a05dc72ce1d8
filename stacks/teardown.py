"""What `cdk destroy` of a pipeline stack must also remove: the endpoint, endpoint configs and models
its executions created at run time (CloudFormation never saw them), after stopping running
executions. A custom resource whose delete handler (stacks/teardown_handler) does it, through the
CDK Provider framework; it has nothing to do on create or update."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.nag import acknowledge_wildcards
from stacks.workflow.sagemaker_tasks import sagemaker_arn

HANDLER_DIR = Path(__file__).parent / "teardown_handler"
# Lambda's limit; endpoint deletion is accepted within seconds unless an update or rollback is in
# progress, which the handler waits out (a canary bake is at most the case's bake time).
TIMEOUT = Duration.minutes(15)


class Teardown(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        endpoint_name: str,
        endpoint_config_prefix: str,
        model_prefix: str,
        sagemaker_role: iam.IRole,
        data_capture_uri: str,
        retain_logs: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR if retain_logs else logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.RETAIN if retain_logs else RemovalPolicy.DESTROY,
        )
        # Explicit roles: no managed policy (AWSLambdaBasicExecutionRole), only this log group.
        handler_role, framework_role = (
            iam.Role(self, role_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            for role_id in ("HandlerRole", "FrameworkRole")
        )
        log_group.grant_write(handler_role)
        log_group.grant_write(framework_role)
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__"]),
            handler="index.on_event",
            timeout=TIMEOUT,
            log_group=log_group,
            role=handler_role,
            description=f"Deletes {endpoint_name}'s endpoint, endpoint configs and models on stack delete",
        )
        self._grant(handler, state_machine, endpoint_name, endpoint_config_prefix, model_prefix)
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=handler,
            log_group=log_group,
            framework_on_event_role=framework_role,
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::PipelineTeardown",
            properties={
                "StateMachineArn": state_machine.state_machine_arn,
                "EndpointName": endpoint_name,
                "EndpointConfigPrefix": endpoint_config_prefix,
                "ModelPrefix": model_prefix,
                "SageMakerRoleArn": sagemaker_role.role_arn,
                "DataCaptureUri": data_capture_uri,
            },
        )
        for role in (handler_role, framework_role):
            policy = role.node.find_child("DefaultPolicy")
            assert isinstance(policy, iam.Policy)
            acknowledge_wildcards(policy, policy.document)

    def _grant(
        self,
        handler: lambda_.Function,
        state_machine: sfn.StateMachine,
        endpoint_name: str,
        config_prefix: str,
        model_prefix: str,
    ) -> None:
        stack = Stack.of(self)
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        statements = [
            (["states:ListExecutions"], [state_machine.state_machine_arn]),
            (["states:StopExecution"], [executions]),
            (["sagemaker:DeleteEndpoint"], [sagemaker_arn("endpoint", endpoint_name)]),
            # List calls have no resource-level permissions.
            (["sagemaker:ListEndpointConfigs", "sagemaker:ListModels"], ["*"]),
            (
                ["sagemaker:DescribeEndpointConfig", "sagemaker:DeleteEndpointConfig"],
                [sagemaker_arn("endpoint-config", f"{config_prefix}*")],
            ),
            (
                ["sagemaker:DescribeModel", "sagemaker:DeleteModel"],
                [sagemaker_arn("model", f"{model_prefix}*")],
            ),
        ]
        for actions, resources in statements:
            handler.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))
