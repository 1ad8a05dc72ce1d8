"""Single states rendered with `to_state_json()`, without synthesizing a stack."""

from __future__ import annotations

from aws_cdk import App, Stack

from stacks.nag import _findings, flatten
from stacks.workflow.context import data_uri, failure_pass, title, unique_name
from stacks.workflow.gate import member


def test_failure_pass_formats_the_figures() -> None:
    state = failure_pass(Stack(App(), "S"), "Below", "QualityGateFailed", "{} below {}", "$.a", "$.b")
    assert state.to_state_json() == {
        "Type": "Pass",
        "ResultPath": "$.failure",
        "Parameters": {"Error": "QualityGateFailed", "Cause.$": "States.Format('{} below {}', $.a, $.b)"},
        "End": True,
    }


def test_names_and_paths() -> None:
    assert unique_name("power-deepar") == (
        "States.Format('power-deepar-{}', States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"
    )
    assert data_uri("raw") == "$.config.raw_data_uri"
    assert data_uri("assign/assignments") == "States.Format('{}assign/assignments/', $.run.prefix)"
    assert title("kmeans-assign", "Run") == "RunKmeansAssign"


def test_nag_flattening_matches_cdk_nag() -> None:
    arn = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/", {"Fn::GetAtt": ["R", "Arn"]}, "/*"]]
    }
    assert flatten(arn) == "arn:<AWS::Partition>:s3:::b/<R.Arn>/*"
    assert flatten({"Fn::Sub": "arn:${AWS::Partition}:x"}) == "arn:<AWS::Partition>:x"
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"], "Resource": [arn, "arn:aws:s3:::b"]},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        ]
    }
    assert _findings(document) == {"Action::s3:Get*", "Resource::arn:<AWS::Partition>:s3:::b/<R.Arn>/*"}


def test_metric_member_paths() -> None:
    assert member("$.m", "explained_variance_top_k") == "$.m.explained_variance_top_k"
    assert member("$.m", "test:recall") == "$.m['test:recall']"
