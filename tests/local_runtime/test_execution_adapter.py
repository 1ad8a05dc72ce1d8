"""The moto adapter itself: version pin, routing rules, error shapes and the JSONPath correction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from local_runtime import moto_adapter, moto_pin
from local_runtime.errors import S3Error, SageMakerError
from local_runtime.execution import run_state_machine
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker
from local_runtime.sfn_services import LocalServices, snake_case, to_state_json


def test_another_moto_version_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_adapter.check_moto_version()  # the installed one is the pinned one
    monkeypatch.setattr(moto_pin, "version", lambda _: "5.3.0")
    with pytest.raises(
        RuntimeError, match=r"moto 5\.3\.0 is installed; run: pip install 'moto\[stepfunctions\]==5\.2\.5'"
    ):
        moto_adapter.check_moto_version()


@pytest.mark.parametrize(
    ("path", "one_value"),
    [
        ("$.train.FinalMetricDataList[0].Value", True),
        ("$.items[2]", True),
        ("$.a.b", True),
        ("$.items[*].Value", False),
        ("$.items[?(@.Name == 'x')].Value", False),
        ("$.items[0:2]", False),
        ("$.items[0,1]", False),
        ("$..Value", False),
    ],
)
def test_only_definite_paths_unpack_to_one_value(path: str, one_value: bool) -> None:
    assert moto_adapter._unpacks_to_one_value(path) is one_value


def run(sm: LocalSageMaker, s3: LocalS3, states: dict[str, Any], data: dict[str, Any], name: str) -> Any:
    return run_state_machine(
        {"StartAt": next(iter(states)), "States": states},
        data,
        workdir=sm.jobs.workdir,
        sagemaker=sm,
        s3=s3,
        name=name,
    )


def test_indexed_paths_yield_values_as_on_aws_and_filters_stay_lists(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3
) -> None:
    data = {"metrics": [{"Name": "a", "Value": 0.5}, {"Name": "b", "Value": 0.9}]}
    states = {
        "Pick": {
            "Type": "Pass",
            "Parameters": {"first.$": "$.metrics[1].Value", "named.$": "$.metrics[?(@.Name == 'a')].Value"},
            "End": True,
        }
    }
    result = run(local_sagemaker, local_s3, states, data, "paths")
    assert result.output == {"first": 0.9, "named": [0.5]}
    assert moto_adapter.json_path._is_singleton_array_access is moto_adapter._moto_singleton_check  # restored


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::sagemaker:createLabelingJob",
        "arn:aws:states:::sagemaker:createModel.sync",
        "arn:aws:states:::sagemaker:createTrainingJob.waitForTaskToken",
    ],
)
def test_unsupported_sagemaker_resources_are_rejected_with_the_definition(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3, resource: str
) -> None:
    states = {"Job": {"Type": "Task", "Resource": resource, "Parameters": {}, "End": True}}
    with pytest.raises(Exception, match="not recognized"):
        run(local_sagemaker, local_s3, states, {}, "bad-resource")


def test_only_one_run_routes_at_a_time(local_sagemaker: LocalSageMaker, local_s3: LocalS3) -> None:
    services = LocalServices(local_sagemaker, local_s3)
    with (
        moto_adapter.routed_to(services),
        pytest.raises(RuntimeError, match="already using"),
        moto_adapter.routed_to(services),
    ):
        pass
    with moto_adapter.routed_to(services):  # released after the first block
        pass


def test_service_calls_map_to_api_shapes(local_sagemaker: LocalSageMaker, local_s3: LocalS3) -> None:
    services = LocalServices(local_sagemaker, local_s3)
    assert snake_case("createHyperParameterTuningJob") == "create_hyper_parameter_tuning_job"
    with pytest.raises(SageMakerError, match="not available locally"):
        services.sagemaker_call("wait", {})
    with pytest.raises(SageMakerError, match="Missing required parameter: TrainingJobName"):
        services.sagemaker_call("describeTrainingJob", {})
    with pytest.raises(S3Error) as info:
        services.s3_call("putObject", {"Bucket": "no-such-bucket", "Key": "k", "Body": "x"})
    assert (info.value.code, info.value.status) == ("NoSuchBucket", 404)
    assert services.s3_call("putObject", {"Bucket": "local-bucket", "Key": "a/b.json", "Body": {"x": 1}})[
        "ETag"
    ]
    assert Path(local_s3.path("s3://local-bucket/a/b.json")).read_text() == '{"x":1}'
    got = services.s3_call("getObject", {"Bucket": "local-bucket", "Key": "a/b.json"})
    assert (got["Body"], got["ContentLength"], got["ContentType"]) == ('{"x":1}', 7, "application/json")
    when = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    assert to_state_json({"t": [when]}, epoch_millis=True) == {"t": [1704164645678]}
    assert to_state_json({"t": when}, epoch_millis=False) == {"t": "2024-01-02T03:04:05.678Z"}


def test_a_run_over_its_timeout_is_aborted_with_a_local_error(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3
) -> None:
    states = {"Sleep": {"Type": "Wait", "Seconds": 30, "End": True}}
    result = run_state_machine(
        {"StartAt": "Sleep", "States": states},
        {},
        workdir=local_sagemaker.jobs.workdir,
        sagemaker=local_sagemaker,
        s3=local_s3,
        name="slow",
        timeout_seconds=0.5,
    )
    assert (result.status, result.error) == ("ABORTED", "Local.Timeout")
    assert [e["type"] for e in result.events][-1] == "ExecutionAborted"


def test_a_fail_state_can_re_raise_a_caught_states_error(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3
) -> None:
    caught = {"Error": "States.TaskFailed", "Cause": '{"TrainingJobStatus": "Failed"}'}
    states = {
        "Caught": {"Type": "Pass", "Result": caught, "ResultPath": "$.failure", "Next": "PipelineFailed"},
        "PipelineFailed": {"Type": "Fail", "ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause"},
    }
    result = run(local_sagemaker, local_s3, states, {}, "reraise")
    assert (result.status, result.error, result.cause) == ("FAILED", "States.TaskFailed", caught["Cause"])
    assert moto_adapter.state_fail.CustomErrorName is moto_adapter._moto_custom_error_name  # restored
