"""The gate and deploy logic executed by moto's ASL interpreter, with SageMaker/S3/SNS stubbed."""

from __future__ import annotations

import os
from typing import Any

import pytest
from asl_stub import Error, execute, stub
from conftest import Synthesized

NOT_FOUND = Error("SageMaker.SageMakerException", 'Could not find endpoint "mlcases-dev-power".')
NO_RECORD = Error("S3.NoSuchKeyException", "The specified key does not exist.")
CONFIG_ARN = "arn:aws:sagemaker:us-east-1:111111111111:endpoint-config/power-ec-0123456789ab"


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, os.environ.get(name, "testing"))


NAIVE = {"baseline_value": 0.18, "bar": 0.17}  # evaluation.json's gate block: naive_last_30, margin 0.01


def power(
    rmse: float, *, record: Any = NO_RECORD, endpoint: Any = NOT_FOUND, live: str = "power-ec-0123456789ab"
) -> dict[str, Any]:
    return {
        "TrainDeepar": {
            "TrainingJobName": "power-deepar-1",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://a/model.tar.gz"},
            "FinalMetricDataList": [{"MetricName": "train:loss", "Value": 1.0}],
        },
        "CreateModelDeepar": {
            "ModelArn": "arn:aws:sagemaker:us-east-1:111111111111:model/power-deepar-m-0123456789ab"
        },
        "ReadEvaluation": {"document": {"metrics": {"test:mean_wQuantileLoss": rmse}, "gate": NAIVE}},
        "ReadDeploymentRecord": record,
        "CreateEndpointConfig": {"EndpointConfigArn": CONFIG_ARN},
        "FindEndpoint": endpoint,
        "DescribeEndpoint": {"EndpointStatus": "InService", "EndpointConfigName": live},
    }


def deployed(rmse: float, metric: str = "test:mean_wQuantileLoss") -> dict[str, Any]:
    return {"document": {"metric": {"name": metric, "value": rmse, "threshold": 0.25}}}


def test_below_threshold_fails_with_the_figures(synthesized: Synthesized) -> None:
    run = execute(stub(synthesized.definition("mlcases-dev-power-forecasting"), power(0.3)))
    assert (run["status"], run["error"]) == ("FAILED", "QualityGateFailed")
    assert run["cause"] == (
        "test:mean_wQuantileLoss 0.3 does not meet the threshold 0.25; baseline naive_last_30 0.18, bar 0.17"
    )
    assert run["entered"][-3:] == ["NotifyFailure", "ReservedErrorName", "PipelineFailed"]


def test_first_deployment_creates_the_endpoint_and_writes_the_record(synthesized: Synthesized) -> None:
    run = execute(stub(synthesized.definition("mlcases-dev-power-forecasting"), power(0.15)))
    assert run["status"] == "SUCCEEDED"
    assert "CreateEndpoint" in run["entered"] and "UpdateEndpoint" not in run["entered"]
    record = run["output"]["record"]
    assert record["endpoint_config_name"] == "power-ec-0123456789ab"
    assert record["model_name"] == "power-deepar-m-0123456789ab"
    assert record["metric"] == {
        "name": "test:mean_wQuantileLoss",
        "value": 0.15,
        "threshold": 0.25,
        "baseline": "naive_last_30",
        "margin": 0.01,
        **NAIVE,
    }
    assert run["entered"][-2:] == ["WriteDeploymentRecord", "Deployed"]


def test_a_rollback_never_looks_like_success(synthesized: Synthesized) -> None:
    results = power(0.15, record=deployed(0.16), endpoint={}, live="power-ec-previous00000")
    run = execute(stub(synthesized.definition("mlcases-dev-power-forecasting"), results))
    assert (run["status"], run["error"]) == ("FAILED", "RolledBack")
    assert "power-ec-previous00000" in run["cause"] and "UpdateEndpoint" in run["entered"]


def test_not_beating_the_baseline_by_the_margin_fails_with_all_figures(synthesized: Synthesized) -> None:
    run = execute(stub(synthesized.definition("mlcases-dev-power-forecasting"), power(0.175)))
    assert (run["status"], run["error"]) == ("FAILED", "QualityGateFailed")
    assert run["cause"] == (
        "test:mean_wQuantileLoss 0.175 does not beat the baseline naive_last_30 (0.18) by 0.01: "
        "the bar is 0.17; threshold 0.25"
    )
    assert "ReadDeploymentRecord" not in run["entered"]


def test_worse_than_the_deployed_model_is_not_deployed(synthesized: Synthesized) -> None:
    run = execute(
        stub(synthesized.definition("mlcases-dev-power-forecasting"), power(0.16, record=deployed(0.15)))
    )
    assert (run["status"], run["error"]) == ("FAILED", "QualityGateFailed")
    assert run["cause"] == (
        "test:mean_wQuantileLoss 0.16 is worse than the deployed model (0.15); threshold 0.25; "
        "baseline naive_last_30 0.18, bar 0.17"
    )
    assert "CreateEndpointConfig" not in run["entered"]


def test_a_record_of_another_metric_does_not_block(synthesized: Synthesized) -> None:
    run = execute(
        stub(
            synthesized.definition("mlcases-dev-power-forecasting"),
            power(0.16, record=deployed(0.1, "mape"), endpoint={}),
        )
    )
    assert run["status"] == "SUCCEEDED" and "UpdateEndpoint" in run["entered"]


def test_missing_metric_and_unexpected_lookup_errors_fail(synthesized: Synthesized) -> None:
    for document in (
        {"metrics": {}, "gate": NAIVE},
        {"metrics": {"test:mean_wQuantileLoss": 0.15}},
    ):  # metric, bar
        results = {**power(0.15), "ReadEvaluation": {"document": document}}
        run = execute(stub(synthesized.definition("mlcases-dev-power-forecasting"), results))
        assert (run["error"], run["cause"]) == (
            "QualityGateFailed",
            "metric test:mean_wQuantileLoss or its baseline bar was not reported by evaluate in run1",
        )
    denied = Error(
        "SageMaker.SageMakerException", "User is not authorized to perform: sagemaker:DescribeEndpoint"
    )
    run = execute(stub(synthesized.definition("mlcases-dev-power-forecasting"), power(0.15, endpoint=denied)))
    assert (run["status"], run["error"]) == ("FAILED", "SageMaker.SageMakerException")


def fraud(document: dict[str, Any]) -> dict[str, Any]:
    best = {
        "TrainingJobName": "t",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://a/m"},
        "FinalMetricDataList": [],
    }
    model = "arn:aws:sagemaker:us-east-1:1:model/fraud-{}-m-0123456789ab"
    return {
        "DescribeBestLinear": best,
        "DescribeBestXgboost": best,
        "CreateModelLinear": {"ModelArn": model.format("linear")},
        "CreateModelXgboost": {"ModelArn": model.format("xgboost")},
        "ReadEvaluation": {"document": document},
        "ReadDeploymentRecord": NO_RECORD,
        "CreateEndpointConfig": {
            "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/fraud-ec-0123456789ab"
        },
        "FindEndpoint": NOT_FOUND,
        "DescribeEndpoint": {"EndpointStatus": "InService", "EndpointConfigName": "fraud-ec-0123456789ab"},
    }


LOGISTIC = {"baseline_value": 0.83, "bar": 0.83}


@pytest.mark.parametrize(
    ("auprc", "chosen", "status", "deployed"),
    [(0.85, "xgboost", "SUCCEEDED", "fraud-xgboost-m-0123456789ab"), (0.85, "linear", "SUCCEEDED",
     "fraud-linear-m-0123456789ab"), (0.8, "xgboost", "FAILED", None)],
)  # fmt: skip
def test_fraud_deploys_the_model_its_evaluation_chose_if_it_beats_the_baseline(
    synthesized: Synthesized, auprc: float, chosen: str, status: str, deployed: str | None
) -> None:
    document = {"metrics": {"auprc_prior_corrected": auprc}, "gate": LOGISTIC, "chosen": chosen}
    run = execute(stub(synthesized.definition("mlcases-dev-fraud-detection"), fraud(document)))
    assert run["status"] == status
    if deployed:
        assert run["output"]["record"]["model_name"] == deployed
        assert run["output"]["record"]["model_step"] == chosen
    else:
        assert "does not beat the baseline logistic_regression (0.83)" in run["cause"]


@pytest.mark.parametrize(
    ("choice", "cause"),
    [
        ({}, "evaluation.json of run1 chose no model"),
        ({"chosen": "forest"}, "the evaluation chose forest, not one of linear, xgboost"),
    ],
)
def test_a_missing_or_unknown_choice_deploys_nothing(
    synthesized: Synthesized, choice: dict[str, str], cause: str
) -> None:
    document = {"metrics": {"auprc_prior_corrected": 0.9}, "gate": LOGISTIC, **choice}
    run = execute(stub(synthesized.definition("mlcases-dev-fraud-detection"), fraud(document)))
    assert (run["status"], run["error"], run["cause"]) == ("FAILED", "QualityGateFailed", cause)
    assert "CreateEndpointConfig" not in run["entered"]


def test_a_failed_job_is_notified_and_fails_the_execution(synthesized: Synthesized) -> None:
    failed = Error("States.TaskFailed", '{"FailureReason": "AlgorithmError: bad channel"}')
    run = execute(
        stub(synthesized.definition("mlcases-dev-power-forecasting"), {**power(0.15), "TrainDeepar": failed})
    )
    assert (run["status"], run["error"]) == ("FAILED", "StepFailed")
    assert run["cause"] == f"States.TaskFailed: {failed.cause}"
    assert run["entered"][-5:] == [
        "TrainDeepar",
        "NotifyFailure",
        "ReservedErrorName",
        "NameStepFailure",
        "PipelineFailed",
    ]
