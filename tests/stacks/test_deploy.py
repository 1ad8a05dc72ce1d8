"""Deployment: blue/green canary with auto-rollback on the stack's own alarms, and a rollback or a
failed endpoint ends the execution failed, never as success."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Capture, Match
from conftest import Synthesized, cdk_context
from helpers import pipeline_stacks, short_names

STACKS = pipeline_stacks()
SHORT = short_names()


@pytest.mark.parametrize("stack", STACKS)
def test_update_is_blue_green_canary_with_the_stacks_alarms(synthesized: Synthesized, stack: str) -> None:
    states = synthesized.definition(stack)["States"]
    update = states["UpdateEndpoint"]["Parameters"]
    name = Capture()
    synthesized.template(stack).all_resources_properties("AWS::CloudWatch::Alarm", {"AlarmName": name})
    alarm_names = [name.as_string()]
    while name.next():
        alarm_names.append(name.as_string())
    alarm_names.sort()
    assert alarm_names == [f"mlcases-dev-{SHORT[stack]}-5xx", f"mlcases-dev-{SHORT[stack]}-latency"]
    assert update["EndpointName"] == f"mlcases-dev-{SHORT[stack]}"
    assert update["EndpointConfigName.$"] == "$.release.endpoint_config_name"
    assert update["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                "WaitIntervalInSeconds": 600,
            },
            "TerminationWaitInSeconds": 300,
            "MaximumExecutionTimeoutInSeconds": 3600,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": n} for n in sorted(alarm_names)]},
    }
    variant = states["CreateEndpointConfig"]["Parameters"]["ProductionVariants"][0]
    assert variant["InitialInstanceCount"] == 2  # a canary of 1 is at most half the fleet


@pytest.mark.parametrize("stack", STACKS)
def test_alarms_watch_the_endpoint_variant(synthesized: Synthesized, stack: str) -> None:
    template = synthesized.template(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    template.all_resources_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SageMaker",
            "MetricName": Match.string_like_regexp("^(Invocation5XXErrors|ModelLatency)$"),
            "Dimensions": [
                {"Name": "EndpointName", "Value": f"mlcases-dev-{SHORT[stack]}"},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            "TreatMissingData": "notBreaching",
        },
    )
    # ModelLatency is reported in microseconds: 500 ms
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "ModelLatency", "Threshold": 500_000}
    )
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "Invocation5XXErrors"})


def test_first_deployment_creates_and_later_ones_update(synthesized: Synthesized) -> None:
    states = synthesized.definition("mlcases-dev-power-forecasting")["States"]
    find = states["FindEndpoint"]
    assert find["Next"] == "EndpointUsable"
    usable = states["EndpointUsable"]
    assert usable["Choices"][0] == {
        "Not": {"Variable": "$.deploy.existing.EndpointStatus", "StringEquals": "Failed"},
        "Next": "UpdateEndpoint",
    }
    assert usable["Default"] == "DeleteFailedEndpoint"
    assert find["Catch"][0]["Next"] == "EndpointExists"
    assert "SageMaker.ResourceNotFoundException" in find["Catch"][0]["ErrorEquals"]
    assert states["EndpointExists"]["Choices"] == [
        {
            "Variable": "$.failure.Cause",
            "StringMatches": "*Could not find endpoint*",
            "Next": "CreateEndpoint",
        }
    ]
    assert states["EndpointExists"]["Default"] == "NotifyFailure"
    assert states["CreateEndpoint"]["Next"] == states["UpdateEndpoint"]["Next"] == "WaitForEndpoint"


def test_a_failed_endpoint_is_deleted_then_created(synthesized: Synthesized) -> None:
    """DeleteEndpoint is the only operation SageMaker allows on a Failed endpoint."""
    states = synthesized.definition("mlcases-dev-power-forecasting")["States"]
    delete = states["DeleteFailedEndpoint"]
    assert delete["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:deleteEndpoint"
    assert delete["Parameters"] == {"EndpointName": "mlcases-dev-power"}
    assert delete["Next"] == "WaitForDeletion"
    assert states["WaitForDeletion"] == {"Type": "Wait", "Seconds": 30, "Next": "DescribeDeletion"}
    gone = states["DescribeDeletion"]["Catch"][0]
    assert gone["Next"] == "EndpointExists" and "SageMaker.ValidationException" in gone["ErrorEquals"]
    deletion = states["DeletionStatus"]
    assert deletion["Choices"][0]["StringEquals"] == "Deleting"
    assert deletion["Choices"][0]["Next"] == "WaitForDeletion"
    assert deletion["Default"] == "EndpointNotDeleted"


def test_rollback_and_failed_endpoint_end_as_failures(synthesized: Synthesized) -> None:
    states = synthesized.definition("mlcases-dev-moon-classification")["States"]
    status = states["EndpointStatus"]
    assert status["Choices"][0] == {
        "Variable": "$.deploy.status.EndpointStatus",
        "StringEquals": "InService",
        "Next": "IsNewConfigLive",
    }
    settling = {c["StringEquals"] for c in status["Choices"][1]["Or"]}
    assert settling == {"Creating", "Updating", "SystemUpdating", "RollingBack"}
    assert status["Choices"][1]["Next"] == "WaitForEndpoint"
    assert status["Default"] == "EndpointNotInService"
    live = states["IsNewConfigLive"]
    assert live["Choices"][0]["StringEqualsPath"] == "$.release.endpoint_config_name"
    assert live["Default"] == "RollbackReason"
    reason = states["RollbackReason"]
    assert reason["Choices"][0]["Next"] == "DeploymentRolledBack"
    assert reason["Default"] == "DeploymentRolledBackUnexplained"
    rolled_back = states["DeploymentRolledBack"]
    assert rolled_back["Parameters"]["Error"] == "RolledBack"
    # FailureReason tells an alarm rollback from a new fleet that failed its health check
    assert "$.deploy.status.FailureReason" in rolled_back["Parameters"]["Cause.$"]
    assert "States.JsonToString($.deploy.status.LastDeploymentConfig)" in rolled_back["Parameters"]["Cause.$"]
    unexplained = states["DeploymentRolledBackUnexplained"]["Parameters"]
    assert unexplained["Error"] == "RolledBack"
    assert "States.JsonToString($.deploy.status)" in unexplained["Cause.$"]
    assert rolled_back["Next"] == states["EndpointNotInService"]["Next"] == "NotifyFailure"
    assert states["EndpointNotInService"]["Parameters"]["Error"] == "EndpointFailed"
    assert states["WaitForEndpoint"] == {"Type": "Wait", "Seconds": 60, "Next": "DescribeEndpoint"}


def test_gate_failures_carry_the_figures(synthesized: Synthesized) -> None:
    states = synthesized.definition("mlcases-dev-fraud-detection")["States"]
    for name in ("BelowThreshold", "WorseThanDeployed", "MetricMissing"):
        assert states[name]["Parameters"]["Error"] == "QualityGateFailed"
        assert states[name]["ResultPath"] == "$.failure" and states[name]["Next"] == "NotifyFailure"
    figures = "$.gate.metric.value, $.gate.metric.threshold, $.gate.metric.baseline_value, $.gate.metric.bar"
    assert states["BelowThreshold"]["Parameters"]["Cause.$"] == (
        "States.Format('auprc_prior_corrected {} does not meet the threshold {}; "
        f"baseline logistic_regression {{}}, bar {{}}', {figures})"
    )
    assert "$.deployed.document.metric.value" in states["WorseThanDeployed"]["Parameters"]["Cause.$"]
    no_record = states["ReadDeploymentRecord"]["Catch"][0]
    assert no_record == {
        "ErrorEquals": ["S3.NoSuchKeyException"],
        "ResultPath": "$.deployed",
        "Next": "QualityGatePassed",
    }


def test_endpoint_config_captures_data_with_kms(synthesized: Synthesized) -> None:
    params = synthesized.definition("mlcases-dev-population-segmentation")["States"]["CreateEndpointConfig"][
        "Parameters"
    ]
    capture = params["DataCaptureConfig"]
    assert capture["EnableCapture"] is True and capture["InitialSamplingPercentage"] == 100
    assert (
        capture["DestinationS3Uri"]
        == "s3://mlcases-dev-artifacts-111111111111-us-east-1/datacapture/population-segmentation/"
    )
    assert capture["KmsKeyId"] == params["KmsKeyId"]
    assert params["KmsKeyId"].startswith("arn:aws:kms:us-east-1:111111111111:key/")  # the platform's key


def test_success_writes_the_deployment_record(synthesized: Synthesized) -> None:
    states = synthesized.definition("mlcases-dev-population-segmentation")["States"]
    record = states["BuildDeploymentRecord"]["Parameters"]
    assert set(record) == {
        "case_study",
        "endpoint_name.$",
        "model_name.$",
        "model_step.$",
        "endpoint_config_name.$",
        "metric.$",
        "time.$",
        "execution.$",
    }
    write = states["WriteDeploymentRecord"]["Parameters"]
    assert write["Key"] == "deployments/population-segmentation/record.json"
    assert write["Body.$"] == "States.JsonToString($.record)"
    assert states["WriteDeploymentRecord"]["Next"] == "Deployed"
    synthesized.template("mlcases-dev-population-segmentation").resource_count_is(
        "AWS::StepFunctions::StateMachine", 1
    )


def test_the_cheap_dev_profile_serves_on_the_instance_type_it_names(tmp_path: Path) -> None:
    """`-c endpoint_instance_type=ml.t2.medium` changes the endpoint config only (still 2 instances:
    a canary may take at most half the fleet)."""
    from aws_cdk import App

    from stacks.app_builder import build
    from stacks.cases import ALL
    from stacks.config import load

    context = {**cdk_context(), "stage": "dev", "endpoint_instance_type": "ml.t2.medium"}
    app = App(outdir=str(tmp_path), context=context, builtin_cloud_formation_validation=False)
    build(app, load(context.get, {}), tuple(c for c in ALL if c.id == "moon-classification"))
    app.synth()
    template = (tmp_path / "mlcases-dev-moon-classification.template.json").read_text()
    variant = '\\"InitialInstanceCount\\":2,\\"InstanceType\\":\\"ml.t2.medium\\"'
    assert template.count(variant) == 1, "one endpoint config state, on ml.t2.medium"
