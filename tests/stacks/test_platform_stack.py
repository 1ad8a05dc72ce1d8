"""Platform: rotated customer-managed key; KMS-encrypted, versioned, TLS-only, private buckets with
lifecycle rules; an encrypted topic that only this stage's alarms (and IAM principals of the account)
may publish to."""

from __future__ import annotations

from aws_cdk.assertions import Capture, Match
from conftest import Synthesized

TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def test_key_rotates(synthesized: Synthesized) -> None:
    synthesized.template("mlcases-dev-platform").has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True}
    )


def test_buckets_are_encrypted_versioned_private_and_tls_only(synthesized: Synthesized) -> None:
    template = synthesized.template("mlcases-dev-platform")
    template.resource_count_is("AWS::S3::Bucket", 3)
    algorithm = Capture()
    template.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": dict.fromkeys(
                ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
            ),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": algorithm})}
                    )
                ]
            },
            "LifecycleConfiguration": {"Rules": Match.any_value()},
        },
    )
    algorithms = [algorithm.as_string()]
    while algorithm.next():
        algorithms.append(algorithm.as_string())
    assert sorted(algorithms) == ["AES256", "aws:kms", "aws:kms"]  # access-log targets allow SSE-S3 only
    deny_plain_http = Match.object_like({"Effect": "Deny", "Condition": TLS_ONLY})
    template.resource_properties_count_is(
        "AWS::S3::BucketPolicy",
        {"PolicyDocument": {"Statement": Match.array_with([deny_plain_http])}},
        3,
    )


def test_old_artifacts_expire(synthesized: Synthesized) -> None:
    synthesized.template("mlcases-dev-platform").has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": Match.object_like(
                {"Fn::Join": Match.array_with([Match.array_with(["mlcases-dev-artifacts-"])])}
            ),
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like({"Id": "old-runs", "Prefix": "runs/", "ExpirationInDays": 180}),
                        Match.object_like(
                            {"Id": "old-versions", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}
                        ),
                    ]
                )
            },
        },
    )


def test_topic_is_encrypted_and_tls_only(synthesized: Synthesized) -> None:
    template = synthesized.template("mlcases-dev-platform")
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": Match.any_value()}})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({"Effect": "Deny", "Condition": TLS_ONLY})])
            }
        },
    )


def test_only_this_stage_s_alarms_may_publish(synthesized: Synthesized) -> None:
    """enforce_ssl's topic policy replaces SNS's default one: CloudWatch needs its own Allow."""
    source = Capture()
    synthesized.template("mlcases-dev-platform").has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowStageAlarms",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Condition": {
                                    "ArnLike": {"aws:SourceArn": source},
                                    "StringEquals": {"aws:SourceAccount": "111111111111"},
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
    assert source.as_string() == "arn:aws:cloudwatch:us-east-1:111111111111:alarm:mlcases-dev-*"


def test_cloudwatch_may_use_the_key_for_the_topic(synthesized: Synthesized) -> None:
    """The statement the SNS guide documents, with no condition CloudWatch's calls may not carry."""
    synthesized.template("mlcases-dev-platform").has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        }
                    ]
                )
            }
        },
    )


def test_outputs_name_the_shared_resources(synthesized: Synthesized) -> None:
    template = synthesized.template("mlcases-dev-platform")
    for name in ("DataBucketName", "ArtifactsBucketName", "NotificationTopicArn", "KeyArn"):
        template.has_output(name, {"Export": {"Name": f"mlcases-dev-{name}"}})
