"""The IAM and resource policies a synthesized app would deploy, resolved to local names.

Everything the permission checks need comes from the templates CloudFormation would create, so a
grant missing from `stacks/` is missing here too: each role's identity policies (inline `Policies`,
`AWS::IAM::Policy` resources attached to it, managed policy ARNs refused as unknowable offline) and
trust policy, the key, topic and bucket policies, and which KMS key encrypts each bucket and topic.
Managed policy ARNs are recorded, not read (their documents are not in the templates): a test keeps
the stacks free of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from local_runtime.cfn import Resolver


@dataclass
class Policies:
    account: str
    region: str
    identity: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # role ARN -> documents
    trust: dict[str, dict[str, Any]] = field(default_factory=dict)  # role ARN -> assume-role policy
    resource: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # topic/key ARN -> docs
    bucket_keys: dict[str, str] = field(default_factory=dict)  # bucket name -> KMS key ARN
    topic_keys: dict[str, str] = field(default_factory=dict)  # topic ARN -> KMS key ARN
    managed: dict[str, list[str]] = field(default_factory=dict)  # role ARN -> managed policy ARNs
    alarm_actions: dict[str, list[str]] = field(default_factory=dict)  # alarm ARN -> action ARNs

    @classmethod
    def from_templates(cls, templates: Mapping[str, dict[str, Any]], resolver: Resolver) -> Policies:
        found = cls(resolver.account, resolver.region)
        for stack, template in templates.items():
            for logical_id, resource in template.get("Resources", {}).items():
                kind, props = resource["Type"], resource.get("Properties", {})
                reader = _READERS.get(kind)
                if reader is not None:
                    reader(found, resolver, stack, logical_id, props)
        return found

    def documents(self, role_arn: str) -> list[dict[str, Any]]:
        return self.identity.get(role_arn, [])

    def role_name(self, role_arn: str) -> str:
        return role_arn.rsplit("/", 1)[-1]


def _role(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    arn = r.get_att(stack, logical_id, "Arn")
    found.trust[arn] = r.resolve(stack, props.get("AssumeRolePolicyDocument", {}))
    docs = found.identity.setdefault(arn, [])
    docs.extend(r.resolve(stack, p["PolicyDocument"]) for p in props.get("Policies", []))
    if props.get("ManagedPolicyArns"):
        found.managed[arn] = [str(a) for a in r.resolve(stack, props["ManagedPolicyArns"])]


def _policy(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    document = r.resolve(stack, props["PolicyDocument"])
    for role in props.get("Roles", []):
        name = str(r.resolve(stack, role))
        found.identity.setdefault(f"arn:aws:iam::{r.account}:role/{name}", []).append(document)


def _bucket(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    name = r.physical_name(stack, logical_id)
    rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    for rule in rules:
        default = rule.get("ServerSideEncryptionByDefault", {})
        if default.get("SSEAlgorithm") == "aws:kms" and "KMSMasterKeyID" in default:
            found.bucket_keys[name] = str(r.resolve(stack, default["KMSMasterKeyID"]))


def _topic(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    if "KmsMasterKeyId" in props:
        found.topic_keys[r.ref(stack, logical_id)] = str(r.resolve(stack, props["KmsMasterKeyId"]))


def _topic_policy(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    document = r.resolve(stack, props["PolicyDocument"])
    for topic in props.get("Topics", []):
        found.resource.setdefault(str(r.resolve(stack, topic)), []).append(document)


def _key(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    found.resource.setdefault(r.get_att(stack, logical_id, "Arn"), []).append(
        r.resolve(stack, props.get("KeyPolicy", {}))
    )


def _alarm(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    arn = r.get_att(stack, logical_id, "Arn")
    found.alarm_actions[arn] = [str(a) for a in r.resolve(stack, props.get("AlarmActions", []))]


def _bucket_policy(found: Policies, r: Resolver, stack: str, logical_id: str, props: dict[str, Any]) -> None:
    bucket = str(r.resolve(stack, props["Bucket"]))
    found.resource.setdefault(f"arn:aws:s3:::{bucket}", []).append(r.resolve(stack, props["PolicyDocument"]))


_READERS = {
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::IAM::Role": _role,
    "AWS::IAM::Policy": _policy,
    "AWS::S3::Bucket": _bucket,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::KMS::Key": _key,
}
