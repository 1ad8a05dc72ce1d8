"""Platform: rotated customer-managed key; KMS-encrypted, versioned, TLS-only, private buckets with
lifecycle rules; an encrypted topic."""

from __future__ import annotations

from conftest import Synthesized
from helpers import only, resources


def test_key_rotates(synthesized: Synthesized) -> None:
    assert only(synthesized.templates["Platform"], "AWS::KMS::Key")["EnableKeyRotation"] is True


def test_buckets_are_encrypted_versioned_private_and_tls_only(synthesized: Synthesized) -> None:
    template = synthesized.templates["Platform"]
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 3
    algorithms = []
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
        )
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"
        ]
        algorithms.append(rule["SSEAlgorithm"])
        assert props.get("LifecycleConfiguration", {}).get("Rules")
    assert sorted(algorithms) == ["AES256", "aws:kms", "aws:kms"]  # access-log targets allow SSE-S3 only
    policies = resources(template, "AWS::S3::BucketPolicy").values()
    tls = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls) == 3


def test_old_artifacts_expire(synthesized: Synthesized) -> None:
    buckets = resources(synthesized.templates["Platform"], "AWS::S3::Bucket").values()
    (artifacts,) = [b for b in buckets if "artifacts" in str(b["Properties"]["BucketName"])]
    rules = {r["Id"]: r for r in artifacts["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["old-runs"]["Prefix"] == "runs/" and rules["old-runs"]["ExpirationInDays"] == 180
    assert rules["old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


def test_topic_is_encrypted_and_tls_only(synthesized: Synthesized) -> None:
    template = synthesized.templates["Platform"]
    assert "Fn::GetAtt" in only(template, "AWS::SNS::Topic")["KmsMasterKeyId"]
    statement = only(template, "AWS::SNS::TopicPolicy")["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_outputs_name_the_shared_resources(synthesized: Synthesized) -> None:
    outputs = synthesized.templates["Platform"]["Outputs"]
    assert {"DataBucketName", "ArtifactsBucketName", "NotificationTopicArn", "KeyArn"} <= set(outputs)
