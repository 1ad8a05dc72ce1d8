"""Requests checked against botocore's service models, as the services check them."""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.contracts import api_shapes

ROLE = "arn:aws:iam::000000000000:role/sagemaker"


def training_job(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TrainingJobName": "fraud-linear-0123456789ab",
        "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/runs/x/"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    request.update(changes)
    return request


def rules(violations: list[api_shapes.Violation]) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in violations]


def test_a_valid_request_passes() -> None:
    assert api_shapes.validate("sagemaker", "createTrainingJob", training_job()) == []


@pytest.mark.parametrize(
    ("changes", "path", "rule"),
    [
        ({"TrainingJobName": "fraud_linear"}, "trainingJobName", "regular expression pattern"),
        ({"TrainingJobName": "x" * 64}, "trainingJobName", "length less than or equal to 63"),
        ({"RandomField": 1}, "randomField", "Member is not in CreateTrainingJobRequest"),
        (
            {"AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "Streaming"}},
            "algorithmSpecification.trainingInputMode",
            "enum value set",
        ),
        (
            {"StoppingCondition": {"MaxRuntimeInSeconds": 0}},
            "stoppingCondition.maxRuntimeInSeconds",
            "value greater than or equal to 1",
        ),
        (
            {"ResourceConfig": {"InstanceCount": "1", "VolumeSizeInGB": 30}},
            "resourceConfig.instanceCount",
            "Member must be an integer",
        ),
        ({"HyperParameters": {"epochs": 15}}, "hyperParameters.epochs", "Member must be a string"),
        ({"EnableManagedSpotTraining": "false"}, "enableManagedSpotTraining", "Member must be a boolean"),
    ],
)
def test_each_rule_of_the_model_is_enforced(changes: dict[str, Any], path: str, rule: str) -> None:
    found = rules(api_shapes.validate("sagemaker", "createTrainingJob", training_job(**changes)))
    assert any(p == path and rule in r for p, r in found), found


def test_missing_required_members_are_named() -> None:
    request = training_job()
    del request["RoleArn"]
    assert ("roleArn", "Member must not be null") in rules(
        api_shapes.validate("sagemaker", "createTrainingJob", request)
    )


def test_list_members_are_indexed_like_the_services_do() -> None:
    request = training_job(InputDataConfig=[{"ChannelName": "train"}, {"ChannelName": "bad name"}])
    found = rules(api_shapes.validate("sagemaker", "createTrainingJob", request))
    assert any(p == "inputDataConfig.2.member.channelName" for p, _ in found), found
    assert any(p == "inputDataConfig.1.member.dataSource" for p, _ in found), found  # required


def test_java_flavoured_patterns_are_read() -> None:
    """Tag values use \\p{L}-style classes, which Python's re cannot compile."""
    ok = training_job(Tags=[{"Key": "team", "Value": "données"}])
    assert api_shapes.validate("sagemaker", "createTrainingJob", ok) == []
    bad = training_job(Tags=[{"Key": "team", "Value": "a\x00b"}])
    assert any(
        v.path == "tags.1.member.value" for v in api_shapes.validate("sagemaker", "createTrainingJob", bad)
    )


def test_the_message_reads_like_the_services() -> None:
    violations = api_shapes.validate("sagemaker", "createTrainingJob", training_job(TrainingJobName="a_b"))
    assert api_shapes.message(violations) == (
        "1 validation error detected: Value 'a_b' at 'trainingJobName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
    )


def test_s3_and_json_bodies() -> None:
    put = {
        "Bucket": "b",
        "Key": "deployments/x/record.json",
        "Body": {"a": 1},
        "ContentType": "application/json",
    }
    assert api_shapes.validate("s3", "putObject", put) == []  # Step Functions serializes a JSON Body
    assert rules(api_shapes.validate("s3", "getObject", {"Bucket": "b"})) == [
        ("key", "Member must not be null")
    ]


def test_operations_are_looked_up_by_their_step_functions_spelling() -> None:
    assert api_shapes.operation_name("createHyperParameterTuningJob") == "CreateHyperParameterTuningJob"
    assert api_shapes.has_operation("sagemaker", "describeEndpoint")
    assert not api_shapes.has_operation("sagemaker", "describeNothing")
