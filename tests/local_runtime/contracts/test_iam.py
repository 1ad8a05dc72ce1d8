"""Known-value cases for the offline IAM evaluator, each written so that a wrong rule fails it.

Cases follow the IAM User Guide pages cited in local_runtime/contracts/iam.py. The first table repeats
the cases the evaluator's research sketch was checked against (among them the ones moto gets wrong).
"""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.contracts.iam import (
    Decision,
    Principal,
    Request,
    UnsupportedPolicy,
    evaluate,
    matching_statements,
)

ALLOW, EXPLICIT, IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY
ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlcases-dev-sagemaker"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:mlcases-dev-notifications"
ALARM = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:mlcases-dev-fraud-latency"
CLOUDWATCH = Principal("Service", "cloudwatch.amazonaws.com")


def _decide(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
    principal: Principal | None = None,
) -> Decision:
    document = {"Version": "2012-10-17", "Statement": statements}
    request = Request(action, resource, context or {}, principal)
    return evaluate([document], request, resource_policy=principal is not None)


PASS_ROLE = {
    "Effect": "Allow",
    "Action": "iam:PassRole",
    "Resource": ROLE,
    "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
}
LIST_RECORD = {
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::b",
    "Condition": {"StringLike": {"s3:prefix": ["deployments/x/record.json"]}},
}
ALLOW_PUBLISH = {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}
SSL_ONLY = {
    "Effect": "Deny",
    "Action": "sns:Publish",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
LOGS_KEY = {
    "Effect": "Allow",
    "Action": "kms:Decrypt",
    "Resource": "*",
    "Condition": {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:1:log-group:/a/*"}
    },
}
KEY = "arn:aws:kms:us-east-1:1:key/k"


def _allow(action: str, resource: str = "*", *, when: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return statement | ({"Condition": when} if when else {})


SKETCH_CASES = [
    pytest.param(
        [PASS_ROLE],
        "iam:PassRole",
        ROLE,
        {"iam:PassedToService": "sagemaker.amazonaws.com"},
        ALLOW,
        id="PassRole cond met",
    ),
    pytest.param(
        [PASS_ROLE],
        "iam:PassRole",
        ROLE,
        {"iam:PassedToService": "lambda.amazonaws.com"},
        IMPLICIT,
        id="PassRole cond not met",
    ),
    pytest.param([PASS_ROLE], "iam:PassRole", ROLE, {}, IMPLICIT, id="PassRole key missing"),
    pytest.param(
        [LIST_RECORD],
        "s3:ListBucket",
        "arn:aws:s3:::b",
        {"s3:prefix": "deployments/x/record.json"},
        ALLOW,
        id="s3:prefix match",
    ),
    pytest.param(
        [LIST_RECORD],
        "s3:ListBucket",
        "arn:aws:s3:::b",
        {"s3:prefix": "other/"},
        IMPLICIT,
        id="s3:prefix mismatch",
    ),
    pytest.param(
        [ALLOW_PUBLISH, SSL_ONLY],
        "sns:Publish",
        TOPIC,
        {"aws:SecureTransport": "true"},
        ALLOW,
        id="SSL deny, secure",
    ),
    pytest.param(
        [ALLOW_PUBLISH, SSL_ONLY],
        "sns:Publish",
        TOPIC,
        {"aws:SecureTransport": "false"},
        EXPLICIT,
        id="SSL deny, insecure",
    ),
    pytest.param(
        [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}],
        "s3:GetObject",
        "arn:aws:s3:::secret/k",
        None,
        IMPLICIT,
        id="NotResource excluded",
    ),
    pytest.param(
        [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        None,
        ALLOW,
        id="NotAction other action",
    ),
    pytest.param(
        [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        "iam:PassRole",
        ROLE,
        None,
        IMPLICIT,
        id="NotAction excluded",
    ),
    pytest.param(
        [_allow("sagemaker:describeEndpoint")],
        "sagemaker:DescribeEndpoint",
        "arn:x",
        None,
        ALLOW,
        id="action case-insensitive",
    ),
    pytest.param(
        [_allow("s3:GetObject", "arn:aws:s3:::b/k?")],
        "s3:GetObject",
        "arn:aws:s3:::b/k1",
        None,
        ALLOW,
        id="? wildcard",
    ),
    pytest.param(
        [_allow("s3:GetObject", "arn:aws:s3:::b/a.json")],
        "s3:GetObject",
        "arn:aws:s3:::b/aXjson",
        None,
        IMPLICIT,
        id="dot literal",
    ),
    pytest.param(
        [_allow("s3:GetObject", "arn:aws:s3:::b/Data/*")],
        "s3:GetObject",
        "arn:aws:s3:::b/data/x",
        None,
        IMPLICIT,
        id="resource case-sensitive",
    ),
    pytest.param(
        [_allow("iam:PassRole", "arn:aws:iam::1:role/a+b")],
        "iam:PassRole",
        "arn:aws:iam::1:role/a+b",
        None,
        ALLOW,
        id="plus literal",
    ),
    pytest.param(
        [LOGS_KEY],
        "kms:Decrypt",
        KEY,
        {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:1:log-group:/b/x"},
        IMPLICIT,
        id="ArnLike enc ctx mismatch",
    ),
    pytest.param(
        [LOGS_KEY],
        "kms:Decrypt",
        KEY,
        {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:1:log-group:/a/x"},
        ALLOW,
        id="ArnLike enc ctx match",
    ),
    pytest.param(
        [_allow("s3:ListBucket", when={"StringNotLike": {"s3:prefix": "secret/*"}})],
        "s3:ListBucket",
        "arn:aws:s3:::b",
        {},
        ALLOW,
        id="StringNotLike key missing",
    ),
    pytest.param(
        [_allow("s3:ListBucket", when={"StringEqualsIfExists": {"s3:prefix": "x"}})],
        "s3:ListBucket",
        "arn:aws:s3:::b",
        {},
        ALLOW,
        id="StringEqualsIfExists key missing",
    ),
    pytest.param(
        [
            _allow(
                "kms:Decrypt",
                when={
                    "StringEquals": {
                        "aws:SourceAccount": "1",
                        "kms:ViaService": "sns.us-east-1.amazonaws.com",
                    }
                },
            )
        ],
        "kms:Decrypt",
        KEY,
        {"aws:SourceAccount": "1", "kms:ViaService": "s3.us-east-1.amazonaws.com"},
        IMPLICIT,
        id="two keys in one operator",
    ),
    pytest.param(
        [_allow("kms:Decrypt", when={"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/x*"}})],
        "kms:Decrypt",
        KEY,
        {"kms:ResourceAliases": ["alias/y", "alias/x1"]},
        ALLOW,
        id="ForAnyValue StringLike",
    ),
    pytest.param(
        [
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            },
            _allow("s3:*"),
        ],
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        {"aws:RequestedRegion": "eu-west-1"},
        ALLOW,
        id="StringNotEquals multi values",
    ),
    pytest.param(
        [PASS_ROLE],
        "iam:PassRole",
        ROLE,
        {"IAM:passedtoservice": "sagemaker.amazonaws.com"},
        ALLOW,
        id="condition key name case-insensitive",
    ),
    pytest.param(
        [_allow("sns:Publish", when={"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:1:alarm:x-*"}})],
        "sns:Publish",
        "t",
        {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:2:alarm:x-1"},
        IMPLICIT,
        id="ArnLike wildcard does not span segments",
    ),
]


@pytest.mark.parametrize(("statements", "action", "resource", "context", "expected"), SKETCH_CASES)
def test_research_sketch_cases(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, Any] | None,
    expected: Decision,
) -> None:
    assert _decide(statements, action, resource, context) is expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"iam:PassedToService": "sagemaker.amazonaws.com"}, ALLOW),
        ({"iam:PassedToService": "states.amazonaws.com"}, IMPLICIT),
        ({"iam:PassedToService": "SageMaker.amazonaws.com"}, IMPLICIT),  # values are case-sensitive
        ({}, IMPLICIT),
    ],
)
def test_pass_role_to_sagemaker_only(context: dict[str, str], expected: Decision) -> None:
    assert _decide([PASS_ROLE], "iam:PassRole", ROLE, context) is expected
    assert _decide([PASS_ROLE], "iam:PassRole", ROLE + "-other", context) is IMPLICIT


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("runs/fraud/", ALLOW),
        ("runs/fraud/2026/model.tar.gz", ALLOW),
        ("runs/", IMPLICIT),
        ("runs/churn/", IMPLICIT),
        ("Runs/fraud/", IMPLICIT),
        ("deployments/fraud.json", ALLOW),
        ("deployments/fraudXjson", IMPLICIT),
        ("deployments/fraud1.json", IMPLICIT),
        ("deployments/a.json", ALLOW),
    ],
)
def test_list_bucket_prefix_patterns(prefix: str, expected: Decision) -> None:
    prefixes = ["runs/fraud/*", "deployments/fraud.json", "deployments/?.json"]
    statement = _allow("s3:ListBucket", "arn:aws:s3:::bucket", when={"StringLike": {"s3:prefix": prefixes}})
    assert _decide([statement], "s3:ListBucket", "arn:aws:s3:::bucket", {"s3:prefix": prefix}) is expected


# The topic policy CDK writes for enforce_ssl=True, plus the statement that lets CloudWatch alarms
# publish (SNS Developer Guide, sns-key-management.html#compatibility-with-aws-services).
TOPIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPublishThroughSSLOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": TOPIC,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "AllowCloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": TOPIC,
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:mlcases-dev-*"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        },
    ],
}
SECURE_ALARM = {"aws:SecureTransport": "true", "aws:SourceArn": ALARM, "aws:SourceAccount": ACCOUNT}


@pytest.mark.parametrize(
    ("principal", "context", "expected"),
    [
        (CLOUDWATCH, SECURE_ALARM, ALLOW),
        (CLOUDWATCH, SECURE_ALARM | {"aws:SecureTransport": "false"}, EXPLICIT),
        (CLOUDWATCH, SECURE_ALARM | {"aws:SourceArn": ALARM.replace("mlcases-dev", "other")}, IMPLICIT),
        (CLOUDWATCH, SECURE_ALARM | {"aws:SourceArn": ALARM.replace("us-east-1", "eu-west-1")}, IMPLICIT),
        (CLOUDWATCH, SECURE_ALARM | {"aws:SourceAccount": "222222222222"}, IMPLICIT),
        (CLOUDWATCH, {"aws:SecureTransport": "true", "aws:SourceArn": ALARM}, IMPLICIT),
        (Principal("Service", "events.amazonaws.com"), SECURE_ALARM, IMPLICIT),
        (Principal("AWS", ROLE), SECURE_ALARM, IMPLICIT),  # the role needs its identity policy instead
        (Principal("AWS", ROLE), {"aws:SecureTransport": "false"}, EXPLICIT),  # "*" names every principal
    ],
)
def test_topic_policy_for_cloudwatch_alarms(
    principal: Principal, context: dict[str, str], expected: Decision
) -> None:
    request = Request("sns:Publish", TOPIC, context, principal)
    assert evaluate([TOPIC_POLICY], request, resource_policy=True) is expected


def test_ssl_deny_alone_allows_nothing_and_denies_only_plain_http() -> None:
    ssl_only = {"Statement": TOPIC_POLICY["Statement"][0]}  # a single statement may be a dict
    secure = Request("sns:Publish", TOPIC, {"aws:SecureTransport": "true"}, CLOUDWATCH)
    plain = Request("sns:Publish", TOPIC, {"aws:SecureTransport": "false"}, CLOUDWATCH)
    assert evaluate([ssl_only], secure, resource_policy=True) is IMPLICIT
    assert evaluate([ssl_only], plain, resource_policy=True) is EXPLICIT


def test_matching_statements_name_the_deciding_sid() -> None:
    request = Request("sns:Publish", TOPIC, SECURE_ALARM | {"aws:SecureTransport": "false"}, CLOUDWATCH)
    sids = [s["Sid"] for s in matching_statements([TOPIC_POLICY], request, resource_policy=True)]
    assert sids == ["AllowPublishThroughSSLOnly", "AllowCloudWatchAlarmsPublish"]


@pytest.mark.parametrize(
    ("element", "principal", "expected"),
    [
        ("*", CLOUDWATCH, ALLOW),
        ({"AWS": "*"}, CLOUDWATCH, ALLOW),  # the same as "*" (reference_policies_elements_principal)
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Principal("AWS", ROLE), ALLOW),
        ({"AWS": ACCOUNT}, Principal("AWS", ROLE), ALLOW),
        ({"AWS": ACCOUNT}, Principal("AWS", ACCOUNT), ALLOW),
        (
            {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            Principal("AWS", "arn:aws:iam::222222222222:role/x"),
            IMPLICIT,
        ),
        ({"AWS": ROLE}, Principal("AWS", ROLE), ALLOW),
        ({"AWS": ROLE}, Principal("AWS", ROLE + "-other"), IMPLICIT),
        ({"AWS": ROLE}, Principal("AWS", ACCOUNT), IMPLICIT),  # a role does not name its account
        ({"Service": ["states.amazonaws.com", "cloudwatch.amazonaws.com"]}, CLOUDWATCH, ALLOW),
        ({"Service": "cloudwatch.amazonaws.com"}, Principal("AWS", ROLE), IMPLICIT),
        ({"AWS": ACCOUNT}, CLOUDWATCH, IMPLICIT),
    ],
)
def test_principal_forms(element: Any, principal: Principal, expected: Decision) -> None:
    key_policy = {
        "Statement": [{"Effect": "Allow", "Principal": element, "Action": "kms:*", "Resource": "*"}]
    }
    request = Request("kms:GenerateDataKey", KEY, {}, principal)
    assert evaluate([key_policy], request, resource_policy=True) is expected


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ([ROLE, f"arn:aws:iam::{ACCOUNT}:root"], IMPLICIT),  # role and account listed: not denied
        ([ROLE], EXPLICIT),  # the account is not listed, and AWS may check it first
        ([f"arn:aws:iam::{ACCOUNT}:root"], EXPLICIT),
        (["arn:aws:iam::222222222222:root"], EXPLICIT),
    ],
)
def test_not_principal_deny(listed: list[str], expected: Decision) -> None:
    policy = {
        "Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": listed}, "Action": "s3:*", "Resource": "*"}
    }
    request = Request("s3:GetObject", "arn:aws:s3:::b/k", {}, Principal("AWS", ROLE))
    assert evaluate([policy], request, resource_policy=True) is expected


def test_resource_policy_statement_without_resource_covers_its_own_resource() -> None:
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    request = Request("sts:AssumeRole", ROLE, {}, Principal("Service", "sagemaker.amazonaws.com"))
    assert evaluate([trust], request, resource_policy=True) is ALLOW


@pytest.mark.parametrize(
    ("statement", "resource", "expected"),
    [
        ({"NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"]}, "arn:aws:s3:::public/k", ALLOW),
        ({"NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"]}, "arn:aws:s3:::secret", IMPLICIT),
        ({"Resource": "*"}, "arn:aws:s3:::anything/at:all", ALLOW),
        ({"Resource": "arn:aws:s3:::b/*"}, "arn:aws:s3:::b", IMPLICIT),
        ({"Resource": "arn:aws:s3:::b/*"}, "arn:aws:s3:::b/", ALLOW),
        ({"Resource": "arn:aws:s3:::b/(x)[y]{z}^$|\\"}, "arn:aws:s3:::b/(x)[y]{z}^$|\\", ALLOW),
        ({"Resource": "arn:aws:s3:::b/a.c"}, "arn:aws:s3:::b/abc", IMPLICIT),
    ],
)
def test_resource_matching(statement: dict[str, Any], resource: str, expected: Decision) -> None:
    full = {"Effect": "Allow", "Action": "s3:GetObject"} | statement
    assert _decide([full], "s3:GetObject", resource) is expected


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("SageMaker:CreateTrainingJob", "sagemaker:createtrainingjob", ALLOW),
        ("sagemaker:Describe*", "sagemaker:DescribeTrainingJob", ALLOW),
        ("sagemaker:Describe*", "sagemaker:CreateTrainingJob", IMPLICIT),
        ("sagemaker:*TrainingJob", "sagemaker:StopTrainingJob", ALLOW),
        ("s3:Get?bject", "s3:GetObject", ALLOW),
        ("s3:Get?bject", "s3:GetObjectAcl", IMPLICIT),
        ("s3:Get.bject", "s3:GetObject", IMPLICIT),
        ("*", "kms:Decrypt", ALLOW),
    ],
)
def test_action_matching(pattern: str, action: str, expected: Decision) -> None:
    assert _decide([_allow(pattern)], action, "*") is expected


def test_explicit_deny_in_one_document_beats_allow_in_another() -> None:
    allow = {"Statement": [_allow("sagemaker:*")]}
    deny = {"Statement": [{"Effect": "Deny", "Action": "sagemaker:DeleteEndpoint", "Resource": "*"}]}
    request = Request("sagemaker:DeleteEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/e")
    assert evaluate([allow, deny], request) is EXPLICIT
    assert evaluate([allow, deny], Request("sagemaker:CreateEndpoint", "arn:x")) is ALLOW
    assert evaluate([], request) is IMPLICIT


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEqualsIgnoreCase": {"k": "Fraud"}}, {"k": "FRAUD"}, ALLOW),
        ({"StringNotEqualsIgnoreCase": {"k": "Fraud"}}, {"k": "FRAUD"}, IMPLICIT),
        ({"StringNotEqualsIgnoreCase": {"k": "Fraud"}}, {}, ALLOW),
        ({"StringEquals": {"k": "a*"}}, {"k": "ab"}, IMPLICIT),  # no wildcards outside *Like
        ({"StringEquals": {"k": "a*"}}, {"k": "a*"}, ALLOW),
        ({"StringNotLike": {"k": ["a*", "b*"]}}, {"k": "bc"}, IMPLICIT),
        ({"StringNotLike": {"k": ["a*", "b*"]}}, {"k": "cb"}, ALLOW),
        ({"StringLikeIfExists": {"k": "a*"}}, {"k": "ba"}, IMPLICIT),
        ({"ArnEquals": {"k": "arn:aws:sns:*:1:t"}}, {"k": "arn:aws:sns:us-east-1:1:t"}, ALLOW),
        ({"ArnNotEquals": {"k": "arn:aws:sns:*:1:t"}}, {"k": "arn:aws:sns:us-east-1:1:t"}, IMPLICIT),
        ({"ArnNotLike": {"k": "arn:aws:sns:*:1:t"}}, {}, ALLOW),
        ({"ArnLike": {"k": "arn:aws:sns:*:1:t"}}, {}, IMPLICIT),
        ({"ArnLike": {"k": "arn:aws:logs:*:1:log-group:*"}}, {"k": "arn:aws:logs:r:1:log-group:/a:*"}, ALLOW),
        (
            {"ArnLike": {"k": "arn:aws:sns:*:1:t"}},
            {"k": "arn:aws:sns:us-east-1:2:1:t"},
            IMPLICIT,
        ),  # per segment
        ({"StringLike": {"k": "arn:aws:sns:*:1:t"}}, {"k": "arn:aws:sns:us-east-1:2:1:t"}, ALLOW),
        ({"ArnLike": {"k": "arn:aws:sns:*:1:t"}}, {"k": "not-an-arn"}, IMPLICIT),
        ({"ArnNotLike": {"k": "arn:aws:sns:*:1:t"}}, {"k": "not-an-arn"}, ALLOW),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, ALLOW),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, IMPLICIT),
        ({"Bool": {"aws:SecureTransport": "true"}}, {}, IMPLICIT),
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, ALLOW),
        ({"Null": {"aws:TokenIssueTime": "true"}}, {}, ALLOW),
        ({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, IMPLICIT),
        ({"Null": {"aws:TokenIssueTime": False}}, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, ALLOW),
        ({"Null": {"aws:TokenIssueTime": "false"}}, {}, IMPLICIT),
        ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, ALLOW),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, IMPLICIT),
        ({"NumericLessThan": {"s3:max-keys": 10}}, {"s3:max-keys": "9"}, ALLOW),
        ({"NumericGreaterThan": {"k": "1.5"}}, {"k": "1.50"}, IMPLICIT),
        ({"NumericGreaterThanEquals": {"k": "1.5"}}, {"k": "1.50"}, ALLOW),
        ({"NumericGreaterThan": {"k": "9"}}, {"k": "10"}, ALLOW),  # numbers, not strings
        ({"NumericEquals": {"k": ["1", "2"]}}, {"k": "2"}, ALLOW),
        ({"NumericNotEquals": {"k": ["1", "2"]}}, {"k": "2"}, IMPLICIT),
        ({"NumericNotEquals": {"k": "1"}}, {}, ALLOW),
        ({"NumericEquals": {"k": "1"}}, {}, IMPLICIT),
        ({"NumericLessThanIfExists": {"k": "1"}}, {}, ALLOW),
        ({"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}, {"a": "1", "b": "xy"}, ALLOW),
        ({"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}, {"a": "1", "b": "yx"}, IMPLICIT),
    ],
)
def test_condition_operators(condition: dict[str, Any], context: dict[str, str], expected: Decision) -> None:
    statement = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": condition}
    assert _decide([statement], "s3:ListBucket", "arn:aws:s3:::b", context) is expected


@pytest.mark.parametrize(
    ("operator", "context", "expected"),
    [
        ("ForAllValues:StringEquals", {"aws:TagKeys": ["team", "case"]}, ALLOW),
        ("ForAllValues:StringEquals", {"aws:TagKeys": ["team", "owner"]}, IMPLICIT),
        ("ForAllValues:StringEquals", {"aws:TagKeys": []}, ALLOW),
        ("ForAllValues:StringEquals", {}, ALLOW),  # true when the key is missing
        ("ForAnyValue:StringEquals", {"aws:TagKeys": ["owner", "case"]}, ALLOW),
        ("ForAnyValue:StringEquals", {"aws:TagKeys": ["owner"]}, IMPLICIT),
        ("ForAnyValue:StringEquals", {"aws:TagKeys": []}, IMPLICIT),
        ("ForAnyValue:StringEquals", {}, IMPLICIT),  # false when the key is missing
        ("ForAnyValue:StringNotEquals", {"aws:TagKeys": ["team", "owner"]}, ALLOW),
        ("ForAnyValue:StringNotEquals", {}, IMPLICIT),
        ("ForAllValues:StringNotEquals", {"aws:TagKeys": ["owner", "x"]}, ALLOW),
        ("ForAllValues:StringNotEquals", {"aws:TagKeys": ["owner", "team"]}, IMPLICIT),
        ("ForAllValues:StringEquals", {"aws:TagKeys": "team"}, ALLOW),  # one string is a set of one
    ],
)
def test_set_qualifiers(operator: str, context: dict[str, Any], expected: Decision) -> None:
    statement = _allow("sagemaker:AddTags", when={operator: {"aws:TagKeys": ["team", "case"]}})
    assert _decide([statement], "sagemaker:AddTags", "arn:x", context) is expected


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            _allow("s3:GetObject", when={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}),
            "DateGreaterThan",
        ),
        (_allow("s3:GetObject", when={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), "IpAddress"),
        (_allow("s3:GetObject", when={"BinaryEquals": {"k": "QmluYXJ5"}}), "BinaryEquals"),
        (_allow("s3:GetObject", when={"StringEqual": {"k": "v"}}), "StringEqual"),
        (_allow("s3:GetObject", when={"ForSomeValues:StringEquals": {"k": "v"}}), "ForSomeValues"),
        (_allow("s3:GetObject", when={"NullIfExists": {"k": "true"}}), "Null"),
        (_allow("s3:GetObject", when={"Bool": {"k": "yes"}}), "true or false"),
        (_allow("s3:GetObject", when={"NumericLessThan": {"k": "ten"}}), "not a number"),
        (_allow("s3:GetObject", when={"ArnLike": {"k": "*"}}), "six"),
        (_allow("s3:GetObject", when={"StringEquals": {"k": []}}), "no values"),
        (_allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), "policy variables"),
        (
            _allow("s3:GetObject", when={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}),
            "policy variables",
        ),
        ({"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}, "Effect"),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, "neither Resource nor NotResource"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:Put*", "Resource": "*"}, "both"),
        ({"Effect": "Allow", "Action": [], "Resource": "*"}, "non-empty"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}, "identity policy"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resources": "*"}, "unknown elements"),
    ],
)
def test_identity_policies_the_evaluator_refuses(statement: dict[str, Any], message: str) -> None:
    with pytest.raises(UnsupportedPolicy, match=message):
        _decide(
            [statement], "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"
        )  # raised even when not applicable


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, "Principal or NotPrincipal"),
        (
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "s3:*",
            },
            "only",
        ),
        ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/x-*"}, "Action": "s3:*"}, "wildcard"),
        ({"Effect": "Allow", "NotPrincipal": {"AWS": "1"}, "Action": "s3:*"}, "NotPrincipal with Allow"),
    ],
)
def test_resource_policies_the_evaluator_refuses(statement: dict[str, Any], message: str) -> None:
    with pytest.raises(UnsupportedPolicy, match=message):
        evaluate(
            [{"Statement": statement}], Request("s3:GetObject", "arn:x", {}, CLOUDWATCH), resource_policy=True
        )


def test_documents_the_evaluator_refuses() -> None:
    with pytest.raises(UnsupportedPolicy, match="Version"):
        evaluate([{"Version": "2012-10-18", "Statement": [_allow("s3:*")]}], Request("s3:GetObject", "arn:x"))
    with pytest.raises(UnsupportedPolicy, match="Statement"):
        evaluate([{"Version": "2012-10-17"}], Request("s3:GetObject", "arn:x"))


def test_single_valued_operator_on_a_list_valued_key_is_refused() -> None:
    statement = _allow("sagemaker:AddTags", when={"StringEquals": {"aws:TagKeys": "team"}})
    with pytest.raises(UnsupportedPolicy, match="ForAnyValue"):
        _decide([statement], "sagemaker:AddTags", "arn:x", {"aws:TagKeys": ["team", "case"]})


def test_bad_requests_are_refused() -> None:
    numeric = _allow("s3:ListBucket", when={"NumericLessThan": {"s3:max-keys": "10"}})
    with pytest.raises(ValueError, match="not a number"):
        _decide([numeric], "s3:ListBucket", "arn:x", {"s3:max-keys": "many"})
    with pytest.raises(TypeError, match="string"):
        _decide([numeric], "s3:ListBucket", "arn:x", {"s3:max-keys": 10})
    with pytest.raises(ValueError, match="twice"):
        _decide([numeric], "s3:ListBucket", "arn:x", {"s3:max-keys": "1", "S3:Max-Keys": "2"})
    policy = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}
    with pytest.raises(ValueError, match=r"request\.principal"):
        evaluate([policy], Request("s3:GetObject", "arn:x"), resource_policy=True)
    for kind, value in [("Federated", "x"), ("Service", ""), ("AWS", "arn:aws:iam::1"), ("AWS", "*")]:
        with pytest.raises(ValueError, match="principal"):
            Principal(kind, value)
