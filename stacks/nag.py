"""cdk-nag (AwsSolutions) acknowledgements: each one names its exact finding and says why.

Wildcard IAM findings are acknowledged from the synthesized policy itself: every wildcard must match
a reviewed pattern below, or synth fails naming the unreviewed one. The finding ids use cdk-nag's
flattening of CloudFormation references (`<AWS::Partition>`, `<Logical.Attr>`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

# (pattern on the finding, reason). Ordered; the first match gives the reason.
WILDCARD_REASONS: tuple[tuple[str, str], ...] = (
    (r"^Resource::\*$", "Action has no resource-level permissions (X-Ray, log delivery, PutMetricData)."),
    (
        r":sagemaker:.*:(training|processing|transform)-job/|hyper-parameter-tuning-job/",
        "SageMaker job names end in a per-attempt UUID; scoped to this case's name prefix.",
    ),
    (
        r":sagemaker:.*:(model|endpoint-config)/",
        "Models and endpoint configs are named per release; scoped to this case's name prefix.",
    ),
    (
        r":s3:::.*/runs/|:s3:::.*/datacapture/|:s3:::.*/deployments/",
        "Per-execution outputs under this case's prefix in the artifacts bucket.",
    ),
    (r":s3:::.*-data-.*/", "Read-only access to this case's raw-data prefix."),
    (r":logs:.*:log-group:/aws/sagemaker/", "SageMaker jobs and endpoints create their own log streams."),
    (
        r":states:.*:execution:",
        "Executions of this stack's own state machine (named at start), stopped when the stack is deleted.",
    ),
    (
        r"^Resource::<TeardownHandler[0-9A-F]+\.Arn>:\*$",
        "The CDK Provider framework invokes any version of the teardown handler it fronts.",
    ),
)


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=reason))


def acknowledge_wildcards(
    policy: iam.Policy | iam.CfnPolicy | IConstruct, document: iam.PolicyDocument
) -> list[str]:
    """Acknowledge every IAM5 finding of `document` on `policy`; return the finding ids."""
    resolved = Stack.of(policy).resolve(document)
    findings = sorted(_findings(resolved))
    for finding in findings:
        acknowledge(policy, f"AwsSolutions-IAM5[{finding}]", _reason(finding))
    return findings


def _findings(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        found |= {f"Action::{a}" for a in _as_list(statement.get("Action")) if "*" in a}
        flat = (flatten(r) for r in _as_list(statement.get("Resource")))
        found |= {f"Resource::{r}" for r in flat if "*" in r}
    return found


def _reason(finding: str) -> str:
    for pattern, reason in WILDCARD_REASONS:
        if re.search(pattern, finding):
            return reason
    raise ValueError(f"unreviewed IAM wildcard {finding!r}: scope it or add a reason in stacks/nag.py")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def flatten(node: Any) -> str:
    """cdk-nag's flattenCfnReference, in Python."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return delimiter.join(flatten(i) for i in items)
    if "Fn::Sub" in node:
        return flatten(node["Fn::Sub"])
    if "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{flatten(resource)}.{flatten(attribute)}>"
    if "Fn::ImportValue" in node:
        return flatten(node["Fn::ImportValue"])
    if "Ref" in node:
        return f"<{flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
