"""One case study's pipeline: its roles, endpoint alarms and Standard state machine. The same class
builds all four stacks; only the `CaseStudy` object differs."""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks import code_asset, naming
from stacks.case_study import CaseStudy
from stacks.config import StageConfig
from stacks.endpoint_alarms import EndpointAlarms
from stacks.nag import acknowledge_wildcards
from stacks.sagemaker_role import KEY_ACTIONS, sagemaker_role
from stacks.teardown import Teardown
from stacks.workflow.context import WorkflowContext
from stacks.workflow.definition import build_definition
from stacks.workflow.endpoint_config import endpoint_config_prefix
from stacks.workflow.failure import failure_path
from stacks.workflow.start import defaults

STATE_MACHINE_TIMEOUT = Duration.hours(24)  # tuning + a blue/green bake fit well within a day


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        case: CaseStudy,
        key: kms.IKey,
        topic: sns.ITopic,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        data_bucket = naming.bucket_name(stage, "data")
        artifacts_bucket = naming.bucket_name(stage, "artifacts")
        # One deterministic archive per synth; each pipeline stack names it, the CDK uploads it once
        # (same hash). Kept per stack so a code change is never a change to an in-use export.
        code = s3_assets.Asset(self, "MlCode", path=str(code_asset.build(case.code_package)))
        role = sagemaker_role(
            self, case=case, data_bucket=data_bucket, artifacts_bucket=artifacts_bucket, key=key, code=code
        )
        alarms = EndpointAlarms(self, "EndpointAlarms", stage=stage, case=case, topic=topic)
        ctx = WorkflowContext(
            scope=self,
            case=case,
            stage=stage,
            sagemaker_role=role,
            key=key,
            artifacts_bucket=artifacts_bucket,
            code_uri=code.s3_object_url,
            on_failure=failure_path(self, topic=topic, case_id=case.id),
        )
        definition = build_definition(ctx, data_bucket=data_bucket, alarm_names=alarms.alarm_names)
        log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"/aws/vendedlogs/states/{stage.prefix}-{case.id}",
            encryption_key=key,
            retention=logs.RetentionDays.ONE_YEAR if stage.retain_data else logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.RETAIN if stage.retain_data else RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Pipeline",
            state_machine_name=f"{stage.prefix}-{case.id}",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=STATE_MACHINE_TIMEOUT,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        self._grant(ctx, role, key)
        Teardown(
            self,
            "Teardown",
            state_machine=self.state_machine,
            endpoint_name=naming.endpoint_name(stage, case),
            endpoint_config_prefix=f"{endpoint_config_prefix(ctx)}-",
            model_prefix=f"{case.short_name}-",
            sagemaker_role=role,
            data_capture_uri=f"s3://{artifacts_bucket}/{naming.data_capture_prefix(case)}",
            retain_logs=stage.retain_data,
        )
        policy = self.state_machine.role.node.try_find_child("DefaultPolicy")
        assert isinstance(policy, iam.Policy)
        acknowledge_wildcards(policy, policy.document)
        role_policy = role.node.find_child("DefaultPolicy")
        assert isinstance(role_policy, iam.Policy)
        acknowledge_wildcards(role_policy, role_policy.document)
        self._outputs(stage, case, ctx, data_bucket)

    def _grant(self, ctx: WorkflowContext, role: iam.IRole, key: kms.IKey) -> None:
        for statement in ctx.statements:
            self.state_machine.add_to_role_policy(statement)
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        # S3 objects and SNS messages are encrypted with the key; the state machine reads and writes both.
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(actions=KEY_ACTIONS[:4], resources=[key.key_arn])
        )
        # CreateEndpoint and UpdateEndpoint of an endpoint config with a KmsKeyId create a KMS grant
        # as the caller, for the endpoint's storage volumes; only grants for AWS resources.
        # https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:CreateGrant"],
                resources=[key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )
        # ListBucket turns a missing deployment record into NoSuchKey instead of AccessDenied.
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[f"arn:{self.partition}:s3:::{ctx.artifacts_bucket}"],
                conditions={"StringLike": {"s3:prefix": [naming.deployment_record_key(ctx.case)]}},
            )
        )

    def _outputs(self, stage: StageConfig, case: CaseStudy, ctx: WorkflowContext, data_bucket: str) -> None:
        sample = json.dumps(defaults(ctx, data_bucket), separators=(",", ":"))
        outputs = {
            "StateMachineArn": self.state_machine.state_machine_arn,
            "EndpointName": naming.endpoint_name(stage, case),
            "SampleStartInput": sample,
            "RawDataUri": f"s3://{data_bucket}/{naming.raw_prefix(case)}",
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value, export_name=f"{stage.prefix}-{case.id}-{name}")
