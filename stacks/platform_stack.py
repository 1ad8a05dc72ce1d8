"""Shared platform: the customer-managed key, the data / artifacts / access-log buckets and the
notification topic. Pipeline stacks find the buckets by their deterministic names (stacks.naming), so
the only cross-stack references are the key and the topic, whose values never change."""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks import naming
from stacks.config import StageConfig
from stacks.nag import acknowledge


class PlatformStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        removal = RemovalPolicy.RETAIN if stage.retain_data else RemovalPolicy.DESTROY
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{stage.prefix}",
            enable_key_rotation=True,
            removal_policy=removal,
            description=f"{stage.prefix}: data, artifacts, logs, endpoint volumes, notifications",
        )
        self._allow_services(stage)
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=naming.bucket_name(stage, "access-logs"),
            # Server access log targets support SSE-S3 only, not SSE-KMS:
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30)
                )
            ],
            removal_policy=removal,
            # dev buckets empty themselves on `cdk destroy`; prod retains bucket and objects
            auto_delete_objects=not stage.retain_data,
        )
        acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "This is the access-log bucket; logging it into itself would loop.",
        )
        self.data_bucket = self._bucket(
            "Data", naming.bucket_name(stage, "data"), access_logs, removal, [], stage
        )
        self.artifacts_bucket = self._bucket(
            "Artifacts",
            naming.bucket_name(stage, "artifacts"),
            access_logs,
            removal,
            [
                s3.LifecycleRule(
                    id="old-runs",
                    prefix="runs/",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(30),
                        )
                    ],
                    expiration=Duration.days(180),
                ),
                s3.LifecycleRule(id="old-capture", prefix="datacapture/", expiration=Duration.days(90)),
            ],
            stage,
        )
        self.topic = sns.Topic(
            self,
            "Notifications",
            master_key=self.key,
            enforce_ssl=True,
            display_name=f"{stage.prefix} pipelines",
        )
        self._allow_alarm_notifications(stage)
        for name, value in {
            "DataBucketName": self.data_bucket.bucket_name,
            "ArtifactsBucketName": self.artifacts_bucket.bucket_name,
            "NotificationTopicArn": self.topic.topic_arn,
            "KeyArn": self.key.key_arn,
        }.items():
            CfnOutput(self, name, value=value, export_name=f"{stage.prefix}-{name}")

    def _bucket(
        self,
        construct_id: str,
        name: str,
        logs: s3.IBucket,
        removal: RemovalPolicy,
        rules: list[s3.LifecycleRule],
        stage: StageConfig,
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            bucket_name=name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=logs,
            server_access_logs_prefix=f"{construct_id.lower()}/",
            lifecycle_rules=[
                *rules,
                s3.LifecycleRule(
                    id="old-versions",
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
            ],
            removal_policy=removal,
            # dev buckets empty themselves on `cdk destroy`; prod retains bucket and objects
            auto_delete_objects=not stage.retain_data,
        )

    def _allow_services(self, stage: StageConfig) -> None:
        """Key policy for the services that encrypt with the key on their own behalf: CloudWatch Logs
        (the state machines' log groups) and CloudWatch alarms publishing to the encrypted topic.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"""
        log_groups = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/vendedlogs/states/{stage.prefix}-*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{stage.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )
        # CloudWatch alarms publish to the encrypted topic with their own KMS permission; this is
        # the statement the SNS guide documents for them, without conditions: AWS documents none
        # that CloudWatch's KMS calls are known to carry, and a condition that does not match drops
        # every alarm notification silently. Who may publish is decided by the topic policy below.
        # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )

    def _allow_alarm_notifications(self, stage: StageConfig) -> None:
        """`enforce_ssl` gives the topic a policy of its own, which replaces SNS's default policy: only
        what it allows may publish besides this account's IAM principals. Allow exactly this stage's
        endpoint alarms (`<prefix>-<case>-<what>`, stacks.naming); the pipelines' state machines
        publish with their roles' IAM policies (same account).
        https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger"""
        alarms = self.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"{stage.prefix}-*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowStageAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": alarms},
                    "StringEquals": {"aws:SourceAccount": self.account},
                },
            )
        )
