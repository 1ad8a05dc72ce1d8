"""`cdk destroy` of a pipeline stack removes what its executions created: the custom resource in the
templates, and its delete handler run against moto's Step Functions and SageMaker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Match
from botocore.exceptions import ClientError
from conftest import TEST_ACCOUNT, TEST_REGION, Synthesized, cdk_context
from helpers import pipeline_stacks, short_names, stack_of
from moto import mock_aws

from stacks.teardown_handler import index

REGION = "us-east-1"
ACCOUNT = "123456789012"
OURS = f"arn:aws:iam::{ACCOUNT}:role/mlcases-dev-fraud-detection-sagemakerrole"
PROD = f"arn:aws:iam::{ACCOUNT}:role/mlcases-prod-fraud-detection-sagemakerrole"
CAPTURE = f"s3://mlcases-dev-artifacts-{ACCOUNT}-{REGION}/datacapture/fraud-detection/"
PROD_CAPTURE = f"s3://mlcases-prod-artifacts-{ACCOUNT}-{REGION}/datacapture/fraud-detection/"


@pytest.mark.parametrize("stack", pipeline_stacks())
def test_each_pipeline_stack_tears_down_its_endpoint(synthesized: Synthesized, stack: str) -> None:
    short = short_names()[stack]
    template = synthesized.template(stack)
    template.has_resource_properties(
        "Custom::PipelineTeardown",
        {
            "EndpointName": f"mlcases-dev-{short}",
            "EndpointConfigPrefix": f"{short}-ec-",
            "ModelPrefix": f"{short}-",
            "StateMachineArn": {"Ref": Match.string_like_regexp("^Pipeline")},
            "SageMakerRoleArn": {"Fn::GetAtt": [Match.string_like_regexp("^SageMakerRole"), "Arn"]},
            "DataCaptureUri": Match.any_value(),
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Handler": "index.on_event", "Runtime": "python3.14", "Timeout": 900}
    )


def test_the_platform_s_dev_buckets_empty_themselves(synthesized: Synthesized) -> None:
    resources = synthesized.templates[stack_of("platform")]["Resources"]
    buckets = {k for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    emptied = {
        r["Properties"]["BucketName"]["Ref"]
        for r in resources.values()
        if r["Type"] == "Custom::S3AutoDeleteObjects"
    }
    assert emptied == buckets and len(buckets) == 3  # data, artifacts, access logs
    assert all(resources[b]["DeletionPolicy"] == "Delete" for b in buckets)


@pytest.fixture(scope="module")
def prod_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    import json

    from aws_cdk import App

    from stacks.app_builder import build
    from stacks.cases import ALL
    from stacks.config import load

    outdir = tmp_path_factory.mktemp("prod.out")
    app = App(outdir=str(outdir), context=cdk_context(), builtin_cloud_formation_validation=False)
    stage = load({"stage": "prod", "region": TEST_REGION, "account": TEST_ACCOUNT}.get, {})
    build(app, stage, tuple(c for c in ALL if c.id == "fraud-detection"), bootstrap_rule=False)
    app.synth()  # cdk-nag findings would fail here
    return {
        p.name.removesuffix(".template.json"): json.loads(p.read_text())
        for p in outdir.glob("*.template.json")
    }


def test_prod_retains_its_buckets_and_their_objects(prod_templates: dict[str, dict[str, Any]]) -> None:
    platform = prod_templates["mlcases-prod-platform"]["Resources"]
    assert not [r for r in platform.values() if r["Type"] == "Custom::S3AutoDeleteObjects"]
    assert all(r["DeletionPolicy"] == "Retain" for r in platform.values() if r["Type"] == "AWS::S3::Bucket")
    # the endpoint itself still goes: it bills by the hour, the data it captured stays
    teardowns = [
        r for r in prod_templates["mlcases-prod-fraud-detection"]["Resources"].values()
        if r["Type"] == "Custom::PipelineTeardown"
    ]  # fmt: skip
    assert [t["Properties"]["EndpointName"] for t in teardowns] == ["mlcases-prod-fraud"]


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield (
            boto3.client("stepfunctions", region_name=REGION),
            boto3.client("sagemaker", region_name=REGION),
        )


def _model(sagemaker: Any, name: str, role: str) -> None:
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": "image", "ModelDataUrl": "s3://bucket/model.tar.gz"},
    )


def _config(sagemaker: Any, name: str, model: str, capture: str) -> None:
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InitialInstanceCount": 2,
                "InstanceType": "ml.m5.large",
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": capture,
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    )


def _props(state_machine_arn: str) -> dict[str, str]:
    return {
        "StateMachineArn": state_machine_arn,
        "EndpointName": "mlcases-dev-fraud",
        "EndpointConfigPrefix": "fraud-ec-",
        "ModelPrefix": "fraud-",
        "SageMakerRoleArn": OURS,
        "DataCaptureUri": CAPTURE,
    }


def test_delete_stops_executions_and_removes_only_this_stack_s_resources(aws: tuple[Any, Any]) -> None:
    stepfunctions, sagemaker = aws
    machine = stepfunctions.create_state_machine(
        name="mlcases-dev-fraud-detection",
        definition='{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}',
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
    )["stateMachineArn"]
    running = stepfunctions.start_execution(stateMachineArn=machine, name="fraud-run-1")["executionArn"]
    _model(sagemaker, "fraud-linear-m-111111111111", OURS)
    _model(sagemaker, "fraud-xgboost-m-222222222222", OURS)  # a candidate the gate did not choose
    _model(sagemaker, "fraud-xgboost-m-333333333333", PROD)  # prod's, in the same account
    _model(sagemaker, "other-fraud-m-444444444444", OURS)  # only contains the prefix
    _config(sagemaker, "fraud-ec-aaaaaaaaaaaa", "fraud-linear-m-111111111111", CAPTURE)
    _config(sagemaker, "fraud-ec-bbbbbbbbbbbb", "fraud-xgboost-m-333333333333", PROD_CAPTURE)
    sagemaker.create_endpoint(EndpointName="mlcases-dev-fraud", EndpointConfigName="fraud-ec-aaaaaaaaaaaa")

    report = index.teardown(_props(machine), stepfunctions=stepfunctions, sagemaker=sagemaker, deadline=0)

    assert report == {
        "executions": ["fraud-run-1"],
        "endpoint": ["mlcases-dev-fraud"],
        "endpoint_configs": ["fraud-ec-aaaaaaaaaaaa"],
        "models": ["fraud-linear-m-111111111111", "fraud-xgboost-m-222222222222"],
    }
    assert stepfunctions.describe_execution(executionArn=running)["status"] == "ABORTED"
    assert sagemaker.list_endpoints()["Endpoints"] == []
    left = {m["ModelName"] for m in sagemaker.list_models()["Models"]}
    assert left == {"fraud-xgboost-m-333333333333", "other-fraud-m-444444444444"}
    assert [c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]] == [
        "fraud-ec-bbbbbbbbbbbb"
    ]
    # a second delete (CloudFormation retries) finds nothing left and succeeds
    again = index.teardown(_props(machine), stepfunctions=stepfunctions, sagemaker=sagemaker, deadline=0)
    assert again == {"executions": [], "endpoint": [], "endpoint_configs": [], "models": []}


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def test_create_and_update_touch_nothing(aws: tuple[Any, Any]) -> None:
    _, sagemaker = aws
    _model(sagemaker, "fraud-linear-m-111111111111", OURS)
    props = _props(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:absent")
    created = index.on_event({"RequestType": "Create", "ResourceProperties": props}, _Context())
    assert created == {"PhysicalResourceId": "teardown-mlcases-dev-fraud"}
    event = {"RequestType": "Update", "ResourceProperties": props, "PhysicalResourceId": "teardown-x"}
    assert index.on_event(event, _Context()) == {"PhysicalResourceId": "teardown-x"}
    assert len(sagemaker.list_models()["Models"]) == 1


def _refused(message: str) -> ClientError:
    return ClientError({"Error": {"Code": "ValidationException", "Message": message}}, "DeleteEndpoint")


class _UpdatingEndpoint:
    """An endpoint mid-update: SageMaker refuses the delete until the update ends."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    def delete_endpoint(self, EndpointName: str) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            raise _refused(f"Cannot update in-progress endpoint {EndpointName}.")


def test_an_endpoint_mid_update_is_deleted_once_the_update_ends() -> None:
    sagemaker, slept = _UpdatingEndpoint(refusals=2), []
    deleted = index.delete_endpoint(sagemaker, "mlcases-dev-fraud", deadline=float("inf"), sleep=slept.append)
    assert deleted == ["mlcases-dev-fraud"] and sagemaker.calls == 3
    assert slept == [index.RETRY_SECONDS] * 2


def test_an_endpoint_that_stays_busy_fails_the_delete_with_sagemaker_s_reason() -> None:
    with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
        index.delete_endpoint(_UpdatingEndpoint(refusals=99), "mlcases-dev-fraud", deadline=0, sleep=print)
