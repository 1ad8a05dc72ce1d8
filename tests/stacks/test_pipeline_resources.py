"""Pipeline stacks: least-privilege roles, encrypted logs, tracing, timeout and the outputs users need."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match
from conftest import Synthesized
from helpers import as_list, pipeline_stacks, short_names, statements

from stacks.nag import flatten

STACKS = pipeline_stacks()
# Actions without resource-level permissions; anything else on "*" is a finding.
UNSCOPED_OK = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "cloudwatch:PutMetricData",
    "sagemaker:ListEndpointConfigs",  # the teardown handler's listing (then filtered by name prefix)
    "sagemaker:ListModels",
}


@pytest.mark.parametrize("stack", STACKS)
def test_no_broad_permissions(synthesized: Synthesized, stack: str) -> None:
    synthesized.template(stack).all_resources_properties(
        "AWS::IAM::Role", {"ManagedPolicyArns": Match.absent()}
    )
    for statement in statements(synthesized.templates[stack]):
        actions = as_list(statement["Action"])
        assert not [a for a in actions if a.endswith(":*") or a == "*"], actions
        targets = [flatten(r) for r in as_list(statement["Resource"])]
        if "*" in targets:
            assert set(actions) <= UNSCOPED_OK, actions
        for target in targets:
            assert not target.endswith(":::*") and not target.endswith("/*/*"), target


@pytest.mark.parametrize("stack", STACKS)
def test_sagemaker_permissions_are_scoped_to_the_case(synthesized: Synthesized, stack: str) -> None:
    short = short_names()[stack]
    sagemaker = [
        s
        for s in statements(synthesized.templates[stack])
        if any(a.startswith("sagemaker:") for a in as_list(s["Action"]))
    ]
    assert sagemaker
    for statement in sagemaker:
        for target in (flatten(r) for r in as_list(statement["Resource"])):
            if target == "*":
                assert set(as_list(statement["Action"])) <= UNSCOPED_OK, statement
                continue
            name = target.rsplit("/", 1)[-1]
            assert name.startswith(f"{short}-") or name == f"mlcases-dev-{short}", target
    pass_role = [s for s in statements(synthesized.templates[stack]) if s["Action"] == "iam:PassRole"]
    assert len(pass_role) == 1
    assert pass_role[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    # the endpoint deploys create a KMS grant as the caller, only for AWS resources
    grant = {"Action": "kms:CreateGrant", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}
    synthesized.template(stack).has_resource_properties(
        "AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(grant)])}}
    )
    describe_alarms = [
        s for s in statements(synthesized.templates[stack]) if s["Action"] == "cloudwatch:DescribeAlarms"
    ]
    assert [flatten(r).rsplit(":", 1)[-1] for r in describe_alarms[0]["Resource"]] == [
        f"mlcases-dev-{short}-5xx",
        f"mlcases-dev-{short}-latency",
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_state_machine_is_standard_logged_traced_and_bounded(synthesized: Synthesized, stack: str) -> None:
    template = synthesized.template(stack)
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": True}),
        },
    )
    assert synthesized.definition(stack)["TimeoutSeconds"] == 24 * 3600
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "KmsKeyId": {"Fn::ImportValue": Match.any_value()},
            "LogGroupName": Match.string_like_regexp("^/aws/vendedlogs/states/mlcases-dev-"),
        },
    )


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_give_arn_endpoint_and_sample_input(synthesized: Synthesized, stack: str) -> None:
    outputs = synthesized.templates[stack]["Outputs"]
    assert {"StateMachineArn", "EndpointName", "SampleStartInput", "RawDataUri"} <= set(outputs)
    sample = json.loads(synthesized.resolver.resolve(stack, outputs["SampleStartInput"]["Value"]))
    raw = synthesized.resolver.resolve(stack, outputs["RawDataUri"]["Value"])
    assert sample == {"raw_data_uri": raw}
    assert raw.startswith("s3://mlcases-dev-data-111111111111-us-east-1/") and raw.endswith("/raw/")
    assert outputs["StateMachineArn"]["Export"]["Name"].endswith("-StateMachineArn")
