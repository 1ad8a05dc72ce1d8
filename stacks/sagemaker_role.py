"""The SageMaker execution role of one case study: only its own S3 prefixes, the key, its logs.
No managed *FullAccess policy: https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html

Written as statements, not construct grants: `bucket.grant_read(role, pattern)` also grants
`s3:GetBucket*` and an unconditioned `s3:List*` on the whole bucket, the asset's `grant_read` the
same on the bootstrap bucket, and `key.grant_encrypt_decrypt` adds `kms:ReEncrypt*`; the statements
below give each job only what it uses (ListBucket limited to the case's prefixes)."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from stacks import naming
from stacks.case_study import CaseStudy

# SageMaker encrypts job volumes and endpoint storage with the key through grants.
KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"]


def sagemaker_role(
    scope: Construct,
    *,
    case: CaseStudy,
    data_bucket: str,
    artifacts_bucket: str,
    key: kms.IKey,
    code: s3_assets.Asset,
) -> iam.Role:
    role = iam.Role(scope, "SageMakerRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    s3 = f"arn:{Aws.PARTITION}:s3:::"
    writable = [naming.runs_prefix(case), naming.data_capture_prefix(case)]
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[f"{s3}{data_bucket}/{naming.raw_prefix(case)}*"]
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject"],
            resources=[f"{s3}{artifacts_bucket}/{p}*" for p in writable],
        )
    )
    for bucket, prefixes in ((data_bucket, [naming.raw_prefix(case)]), (artifacts_bucket, writable)):
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[f"{s3}{bucket}"],
                conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
            )
        )
    # The code archive in the CDK asset bucket; S3Prefix inputs list the prefix before downloading.
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[code.bucket.arn_for_objects(code.s3_object_key)]
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[code.bucket.bucket_arn],
            conditions={"StringEquals": {"s3:prefix": code.s3_object_key}},
        )
    )
    role.add_to_policy(iam.PolicyStatement(actions=KEY_ACTIONS, resources=[key.key_arn]))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            resources=[f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/*"],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}},
        )
    )
    return role
