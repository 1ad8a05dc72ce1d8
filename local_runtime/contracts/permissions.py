"""What each call needs in IAM terms, and the check that the caller's policies grant it.

A state machine's task is authorized as the state machine's role: the API action on its resource,
plus the extra permissions AWS documents for the integration (kept here as data, each with its
source); a SageMaker job's S3 and KMS use as the job's execution role. `Authorizer.authorize` raises
`AccessDenied` worded as AWS words it ("... is not authorized to perform: kms:CreateGrant on
resource: ... because no identity-based policy allows the kms:CreateGrant action").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from local_runtime.contracts import iam
from local_runtime.contracts.policies import Policies

SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"
# Step Functions' managed EventBridge rules for `.sync` SageMaker tasks:
# https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html (training, transform);
# tuning: the Step Functions Data Science SDK's documented policy; processing: aws-cdk PR #19468.
SYNC_RULES = {
    "createTrainingJob": "StepFunctionsGetEventsForSageMakerTrainingJobsRule",
    "createTransformJob": "StepFunctionsGetEventsForSageMakerTransformJobsRule",
    "createHyperParameterTuningJob": "StepFunctionsGetEventsForSageMakerTuningJobsRule",
    "createProcessingJob": "StepFunctionsGetEventsForSageMakerProcessingJobsRule",
}
SYNC_RULE_ACTIONS = ("events:PutTargets", "events:PutRule", "events:DescribeRule")
# (noun in the IAM action, ARN resource type, request member naming it, member holding the role to pass)
_JOBS = {
    "createTrainingJob": ("TrainingJob", "training-job", "TrainingJobName", ("RoleArn",)),
    "createProcessingJob": ("ProcessingJob", "processing-job", "ProcessingJobName", ("RoleArn",)),
    "createTransformJob": ("TransformJob", "transform-job", "TransformJobName", ()),
    "createHyperParameterTuningJob": (
        "HyperParameterTuningJob",
        "hyper-parameter-tuning-job",
        "HyperParameterTuningJobName",
        ("TrainingJobDefinition", "RoleArn"),
    ),
    "createModel": ("Model", "model", "ModelName", ("ExecutionRoleArn",)),
    "createEndpointConfig": ("EndpointConfig", "endpoint-config", "EndpointConfigName", ()),
}
API_PERMISSIONS = "https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html"
GUARDRAILS = "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html"


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)
    why: str = ""  # the rule, with its source, when it is not the call's own action


class NoPermissionRule(LookupError):
    """A call this module has no rule for: local mode cannot say what IAM it needs, so the call is
    refused rather than let through unchecked (add its rule, with its source, here)."""

    def __init__(self, call: str) -> None:
        super().__init__(f"local mode has no permission rule for {call}; add one in {__name__}")


class AccessDenied(Exception):
    def __init__(self, caller: str, need: Need, decision: iam.Decision, where: str = "") -> None:
        kind = "an explicit deny in a" if decision is iam.Decision.EXPLICIT_DENY else "no"
        policy = "resource-based" if need.action.startswith(("sns:", "kms:")) else "identity-based"
        reason = (
            f"{where}{caller} is not authorized to perform: {need.action} on resource: {need.resource} "
            f"because {kind} {policy} policy allows the {need.action} action"
        )
        if need.context:
            reason += f" (request context {dict(need.context)})"
        super().__init__(reason + (f"; {need.why}" if need.why else ""))
        self.need, self.decision = need, decision


@dataclass(frozen=True)
class Lookups:
    """What a rule needs to know beyond the request: an endpoint config's KMS key."""

    endpoint_config_key: Callable[[str], str | None] = lambda name: None


class Authorizer:
    def __init__(self, policies: Policies, lookups: Lookups | None = None) -> None:
        self.policies, self.lookups = policies, lookups or Lookups()

    def sagemaker_arn(self, kind: str, name: str) -> str:
        # SageMaker lower-cases resource names in ARNs, and IAM matches ARNs case-sensitively.
        return f"arn:aws:sagemaker:{self.policies.region}:{self.policies.account}:{kind}/{name.lower()}"

    def authorize(self, role_arn: str, needs: Iterable[Need], *, where: str = "") -> None:
        documents = self.policies.documents(role_arn)
        principal = iam.Principal("AWS", role_arn)
        caller = f"User: {role_arn}"
        for need in needs:
            context = {"aws:SecureTransport": "true", **need.context}  # SDK calls use TLS
            request = iam.Request(need.action, need.resource, context, principal)
            decision = iam.evaluate(documents, request)
            decision = self._with_resource_policy(need, request, decision)
            if decision is not iam.Decision.ALLOW:
                raise AccessDenied(caller, need, decision, where)
            if need.action == "iam:PassRole":
                self._check_trust(need.resource, where)

    def _check_trust(self, role_arn: str, where: str) -> None:
        """A role passed to SageMaker must trust it, or the job fails to assume it."""
        trust = self.policies.trust.get(role_arn)
        if trust is None:  # not a role of these stacks: nothing to read its trust policy from
            return
        request = iam.Request(
            "sts:AssumeRole", role_arn, principal=iam.Principal("Service", SAGEMAKER_SERVICE)
        )
        if iam.evaluate([trust], request, resource_policy=True) is not iam.Decision.ALLOW:
            raise AccessDenied(
                f"Service: {SAGEMAKER_SERVICE}",
                Need("sts:AssumeRole", role_arn, why="the role's trust policy must allow SageMaker"),
                iam.Decision.IMPLICIT_DENY,
                where,
            )

    def _with_resource_policy(self, need: Need, request: iam.Request, decision: iam.Decision) -> iam.Decision:
        """KMS needs its key policy to allow too (the root statement lets IAM decide); an SNS topic
        policy can only deny a same-account caller that IAM allows.
        https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"""
        documents = self.policies.resource.get(_policy_holder(need.resource))
        if documents is None:
            return decision
        by_resource = iam.evaluate(documents, request, resource_policy=True)
        if by_resource is iam.Decision.EXPLICIT_DENY:
            return by_resource
        if need.action.startswith("kms:") and by_resource is not iam.Decision.ALLOW:
            return by_resource
        return decision

    def alarm_notification_problems(self, alarm_arns: Iterable[str]) -> list[str]:
        """Can each alarm publish to the SNS topics its actions name? CloudWatch publishes as the
        service principal, so the topic policy must allow it (SNS's default policy is replaced by
        any TopicPolicy) and an encrypted topic's key policy must let it use the key.
        https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"""
        cloudwatch = iam.Principal("Service", "cloudwatch.amazonaws.com")
        problems = []
        for alarm in alarm_arns:
            # SNS documents aws:SourceArn/SourceAccount on the publish; no source keys are documented
            # on the KMS calls made for an encrypted topic, so a key policy must not rely on them.
            publish = {"aws:SourceArn": alarm, "aws:SourceAccount": self.policies.account}
            for topic in self.policies.alarm_actions.get(alarm, []):
                if not topic.startswith("arn:aws:sns:"):
                    continue
                needs: list[tuple[str, str, dict[str, str]]] = [(topic, "sns:Publish", publish)]
                key = self.policies.topic_keys.get(topic)
                if key:
                    needs += [(key, "kms:GenerateDataKey", {}), (key, "kms:Decrypt", {})]
                for resource, action, context in needs:
                    documents = self.policies.resource.get(resource, [])
                    context = {**context, "aws:SecureTransport": "true"}
                    request = iam.Request(action, resource, context, cloudwatch)
                    decision = iam.evaluate(documents, request, resource_policy=True)
                    if decision is not iam.Decision.ALLOW:
                        policy = "key" if action.startswith("kms:") else "topic"
                        problems.append(
                            f"alarm {alarm} cannot notify {topic}: the {policy} policy of {resource} gives "
                            f"cloudwatch.amazonaws.com no {action} ({decision.value.replace('_', ' ')}); "
                            "CloudWatch would drop every notification of this alarm"
                        )
        return problems

    # -- state machine tasks -------------------------------------------------------------------

    def task_needs(self, resource: str, params: Mapping[str, Any]) -> list[Need]:
        """The permissions a task with this `Resource` and these (resolved) parameters needs."""
        parts = resource.split(":::", 1)[-1].split(":")
        service = parts[0]
        if service == "sagemaker":
            action, _, pattern = parts[1].partition(".")
            return self.sagemaker_needs(action, params, sync=pattern == "sync")
        if service == "aws-sdk" and parts[1] == "sagemaker":
            return self.sagemaker_needs(parts[2], params, sync=False)
        if service == "aws-sdk" and parts[1] == "s3":
            return self.s3_needs(parts[2], params)
        if service == "sns" and parts[1] == "publish":
            topic = str(params.get("TopicArn", ""))
            return [
                Need("sns:Publish", topic),
                *self._key_use(self.policies.topic_keys.get(topic), write=True),
            ]
        raise NoPermissionRule(f"task resource {resource}")

    def sagemaker_needs(self, action: str, params: Mapping[str, Any], *, sync: bool) -> list[Need]:
        noun = action[0].upper() + action[1:]
        if action in _JOBS:
            kind_noun, arn_type, name_member, role_path = _JOBS[action]
            arn = self.sagemaker_arn(arn_type, str(params.get(name_member, "")))
            needs = [Need(f"sagemaker:{noun}", arn)]
            if params.get("Tags"):
                needs.append(Need("sagemaker:AddTags", arn, why=f"a request with Tags ({API_PERMISSIONS})"))
            role = _member(params, role_path)
            if role:
                needs.append(
                    Need(
                        "iam:PassRole",
                        role,
                        {"iam:PassedToService": SAGEMAKER_SERVICE},
                        f"see {API_PERMISSIONS}",
                    )
                )
            if sync:
                rule = SYNC_RULES[action]
                why = "a .sync task (https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html)"
                needs += [Need(f"sagemaker:Describe{kind_noun}", arn, why=why)]
                needs += [Need(f"sagemaker:Stop{kind_noun}", arn, why=why)]
                rule_arn = f"arn:aws:events:{self.policies.region}:{self.policies.account}:rule/{rule}"
                needs += [Need(a, rule_arn, why=why) for a in SYNC_RULE_ACTIONS]
            return needs
        endpoint = self.sagemaker_arn("endpoint", str(params.get("EndpointName", "")))
        if action in ("describeEndpoint", "deleteEndpoint"):
            return [Need(f"sagemaker:{noun}", endpoint)]
        if action == "describeTrainingJob":
            return [
                Need(
                    "sagemaker:DescribeTrainingJob",
                    self.sagemaker_arn("training-job", params["TrainingJobName"]),
                )
            ]
        if action in ("createEndpoint", "updateEndpoint"):
            config = str(params.get("EndpointConfigName", ""))
            needs = [
                Need(f"sagemaker:{noun}", endpoint),
                Need(f"sagemaker:{noun}", self.sagemaker_arn("endpoint-config", config)),
            ]
            key = self.lookups.endpoint_config_key(config)
            if key:
                why = f"endpoint config with KmsKeyId: the caller creates a KMS grant ({API_PERMISSIONS})"
                needs.append(Need("kms:CreateGrant", key, {"kms:GrantIsForAWSResource": "true"}, why))
            alarms = ((params.get("DeploymentConfig") or {}).get("AutoRollbackConfiguration") or {}).get(
                "Alarms", []
            )
            region, account = self.policies.region, self.policies.account
            for alarm in alarms:
                arn = f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm['AlarmName']}"
                needs.append(
                    Need("cloudwatch:DescribeAlarms", arn, why=f"auto-rollback alarms ({GUARDRAILS})")
                )
            return needs
        raise NoPermissionRule(f"sagemaker:{action}")

    def s3_needs(self, action: str, params: Mapping[str, Any]) -> list[Need]:
        bucket, key = str(params.get("Bucket", "")), str(params.get("Key", ""))
        if action == "getObject":
            return [
                Need("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"),
                *self._bucket_key(bucket, write=False),
            ]
        if action == "putObject":
            return [
                Need("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}"),
                *self._bucket_key(bucket, write=True),
            ]
        raise NoPermissionRule(f"s3:{action}")

    def missing_object_needs(self, bucket: str, key: str) -> list[Need]:
        """S3 answers NoSuchKey, not AccessDenied, only to a caller that may list the bucket."""
        why = "S3 reports a missing key as NoSuchKey only with s3:ListBucket, otherwise as AccessDenied"
        return [Need("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": key}, why)]

    # -- SageMaker jobs (as the execution role) -------------------------------------------------

    def read_needs(self, bucket: str, prefix: str, keys: list[str], *, listing: bool = True) -> list[Need]:
        """An S3Prefix input lists the prefix (even when it names one object), then gets every object
        and decrypts with the bucket's key; a single download (`listing=False`) only gets."""
        needs = [Need("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": prefix})] if listing else []
        needs += [Need("s3:GetObject", f"arn:aws:s3:::{bucket}/{k}") for k in keys]
        return needs + self._bucket_key(bucket, write=False)

    def write_needs(self, bucket: str, keys: Iterable[str], kms_key: str | None = None) -> list[Need]:
        needs = [Need("s3:PutObject", f"arn:aws:s3:::{bucket}/{k}") for k in keys]
        if kms_key:
            return needs + self._key_use(kms_key, write=True)
        return needs + self._bucket_key(bucket, write=True)

    def _bucket_key(self, bucket: str, *, write: bool) -> list[Need]:
        return self._key_use(self.policies.bucket_keys.get(bucket), write=write)

    def _key_use(self, key: str | None, *, write: bool) -> list[Need]:
        if not key:
            return []
        why = "the data is encrypted with this KMS key"
        if write:
            return [Need("kms:GenerateDataKey", key, why=why), Need("kms:Decrypt", key, why=why)]
        return [Need("kms:Decrypt", key, why=why)]


def _policy_holder(resource: str) -> str:
    """Where a resource's resource-based policy hangs: an S3 object's is its bucket's."""
    if resource.startswith("arn:aws:s3:::"):
        return "arn:aws:s3:::" + resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return resource


def _member(params: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    if not path:
        return None
    value: Any = params
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return str(value) if value else None


class RoleS3Access:
    """`LocalS3`'s access check for jobs and endpoints: S3 and KMS as their execution role."""

    def __init__(self, authorizer: Authorizer) -> None:
        self.authorizer = authorizer

    def read(self, role: str, bucket: str, prefix: str, keys: list[str], listing: bool) -> None:
        self.authorizer.authorize(role, self.authorizer.read_needs(bucket, prefix, keys, listing=listing))

    def write(self, role: str, bucket: str, keys: list[str], kms_key: str | None) -> None:
        self.authorizer.authorize(role, self.authorizer.write_needs(bucket, keys, kms_key))
