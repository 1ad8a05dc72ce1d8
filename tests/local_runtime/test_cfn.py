"""CloudFormation tokens resolve to the names resources would have in a local account."""

from __future__ import annotations

import pytest

from local_runtime.cfn import Resolver, UnresolvableToken

PLATFORM = {
    "Resources": {
        "DataBucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "notify"}},
    },
    "Outputs": {
        "BucketExport": {"Value": {"Ref": "DataBucket"}, "Export": {"Name": "Platform:DataBucket"}},
    },
}
PIPELINE = {
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}},
    }
}


@pytest.fixture
def resolver() -> Resolver:
    return Resolver({"Platform": PLATFORM, "Pipeline": PIPELINE})


def test_refs_get_atts_and_pseudo_parameters(resolver: Resolver) -> None:
    assert resolver.resolve("Platform", {"Ref": "DataBucket"}) == "platform-databucket"
    assert resolver.resolve("Platform", {"Ref": "Topic"}) == "arn:aws:sns:us-east-1:000000000000:notify"
    assert resolver.resolve("Pipeline", {"Fn::GetAtt": ["Role", "Arn"]}) == (
        "arn:aws:iam::000000000000:role/pipeline-role"
    )
    assert resolver.resolve("Pipeline", {"Ref": "AWS::Region"}) == "us-east-1"


def test_join_sub_select_split_and_imports(resolver: Resolver) -> None:
    definition = {
        "Fn::Join": [
            "",
            [
                '{"Bucket":"',
                {"Fn::ImportValue": "Platform:DataBucket"},
                '","Role":"',
                {"Fn::Sub": "${Role.Arn}"},
            ],
        ]
    }
    assert resolver.resolve("Pipeline", definition) == (
        '{"Bucket":"platform-databucket","Role":"arn:aws:iam::000000000000:role/pipeline-role'
    )
    assert (
        resolver.resolve("Pipeline", {"Fn::Sub": ["${X}-${AWS::AccountId}", {"X": "a"}]}) == "a-000000000000"
    )
    assert resolver.resolve("Pipeline", {"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}) == "b"


def test_unknown_tokens_fail_with_the_stack_and_name(resolver: Resolver) -> None:
    with pytest.raises(UnresolvableToken, match="Pipeline: no resource 'Missing'"):
        resolver.resolve("Pipeline", {"Ref": "Missing"})
    with pytest.raises(UnresolvableToken, match="'Nope' is not exported"):
        resolver.resolve("Pipeline", {"Fn::ImportValue": "Nope"})
