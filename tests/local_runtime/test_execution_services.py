"""State machines whose tasks call services directly: API errors, S3 objects, SNS, models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local_runtime.execution import run_state_machine
from local_runtime.execution_sns import topic_arns
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker

BUCKET = "local-bucket"
TOPIC = "arn:aws:sns:us-east-1:000000000000:pipeline-alerts"


def run(sm: LocalSageMaker, s3: LocalS3, states: dict[str, Any], start: str, name: str) -> Any:
    definition = {"StartAt": start, "States": states}
    return run_state_machine(
        definition, {"case": "toy"}, workdir=sm.jobs.workdir, sagemaker=sm, s3=s3, name=name
    )


def test_api_errors_surface_with_the_service_error_names(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3
) -> None:
    def caught(next_state: str) -> list[dict[str, Any]]:
        return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.errors." + next_state, "Next": next_state}]

    states = {
        "Describe": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
            "Parameters": {"TrainingJobName": "never-ran"},
            "Catch": caught("BadName"),
            "End": True,
        },
        "BadName": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sagemaker:createTrainingJob",
            "Parameters": {"TrainingJobName": "bad_name!"},
            "Catch": caught("Missing"),
            "End": True,
        },
        "Missing": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": BUCKET, "Key": "nope.json"},
            "Catch": caught("Done"),
            "End": True,
        },
        "Done": {"Type": "Succeed"},
    }
    result = run(local_sagemaker, local_s3, states, "Describe", "errors")
    assert result.status == "SUCCEEDED", result.cause
    errors = result.output["errors"]
    assert errors["BadName"]["Error"] == "SageMaker.ValidationException"
    assert errors["BadName"]["Cause"].startswith("Requested resource not found.")
    assert errors["Missing"]["Error"] == "SageMaker.AmazonSageMakerException"
    assert "Error Code: ValidationException" in errors["Missing"]["Cause"]
    assert errors["Done"]["Error"] == "S3.NoSuchKeyException"


def test_s3_get_object_string_to_json_put_object_and_sns(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3
) -> None:
    local_s3.path(f"s3://{BUCKET}/eval/evaluation.json").parent.mkdir(parents=True)
    local_s3.path(f"s3://{BUCKET}/eval/evaluation.json").write_text('{"metrics": {"recall": 0.91}}')
    states = {
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": BUCKET, "Key": "eval/evaluation.json"},
            "ResultSelector": {"evaluation.$": "States.StringToJson($.Body)"},
            "ResultPath": "$.read",
            "Next": "Gate",
        },
        "Gate": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.read.evaluation.metrics.recall", "NumericGreaterThan": 0.9, "Next": "Record"}
            ],
            "Default": "Reject",
        },
        "Record": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
            "Parameters": {"Bucket": BUCKET, "Key": "decisions/latest.json", "Body.$": "$.read.evaluation"},
            "ResultPath": None,
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": TOPIC, "Subject": "approved", "Message.$": "$.read.evaluation"},
            "ResultPath": None,
            "End": True,
        },
        "Reject": {"Type": "Fail", "Error": "Rejected"},
    }
    assert topic_arns({"States": states}) == {TOPIC}
    result = run(local_sagemaker, local_s3, states, "Read", "gate")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["read"]["evaluation"] == {"metrics": {"recall": 0.91}}
    assert json.loads(local_s3.path(f"s3://{BUCKET}/decisions/latest.json").read_text()) == {
        "metrics": {"recall": 0.91}
    }
    assert [(n["TopicArn"], n["Subject"], json.loads(n["Message"])) for n in result.notifications] == [
        (TOPIC, "approved", {"metrics": {"recall": 0.91}})
    ]


def test_model_actions_go_to_the_endpoint_service(tmp_path: Path, local_s3: LocalS3) -> None:
    from local_runtime.endpoints.controller import EndpointController

    sm = LocalSageMaker(tmp_path / "work", local_s3, EndpointController(tmp_path / "endpoints", local_s3))
    container = {"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-cpu-py310"}
    create = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sagemaker:createModel",
        "Parameters": {
            "ModelName": "toy",
            "ExecutionRoleArn": "arn:aws:iam::000000000000:role/r",
            "PrimaryContainer": container,
        },
        "ResultPath": "$.model",
    }
    states = {
        "Create": {**create, "Next": "Describe"},
        "Describe": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeModel",
            "Parameters": {"ModelName": "toy"},
            "ResultSelector": {"image.$": "$.PrimaryContainer.Image"},
            "ResultPath": "$.described",
            "Next": "Again",
        },
        "Again": {
            **create,
            "Catch": [
                {
                    "ErrorEquals": ["SageMaker.AmazonSageMakerException"],
                    "ResultPath": "$.duplicate",
                    "Next": "Done",
                }
            ],
            "End": True,
        },
        "Done": {"Type": "Succeed"},
    }
    result = run(sm, local_s3, states, "Create", "models")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["model"]["ModelArn"].endswith(":model/toy")
    assert result.output["described"] == {"image": container["Image"]}
    assert "Error Code: ValidationException" in result.output["duplicate"]["Cause"]
