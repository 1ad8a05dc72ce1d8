"""The seeds' settings reach the SageMaker requests, under SageMaker's own names."""

from __future__ import annotations

from typing import Any

from conftest import Synthesized


def states(synthesized: Synthesized, stack: str) -> dict[str, Any]:
    return synthesized.definition(stack)["States"]


def test_processing_jobs_follow_the_container_contract(synthesized: Synthesized) -> None:
    preprocess = states(synthesized, "FraudDetection")["Preprocess"]["Parameters"]
    entry = preprocess["AppSpecification"]["ContainerEntrypoint"]
    assert entry[:2] == ["bash", "-c"]
    assert entry[2].startswith("cd /opt/ml/processing/input/code && tar xzf *.gz && python3 -m ")
    assert entry[2].endswith("ml_code.fraud_detection.preprocess --population-counts 0=284315,1=492")
    assert preprocess["Environment"] == {"PYTHONPATH": "/opt/ml/processing/input/code"}
    assert preprocess["AppSpecification"]["ImageUri"].endswith("/pytorch:2.13-cpu-amzn2023-sagemaker")
    code, raw = preprocess["ProcessingInputs"]
    assert code["InputName"] == "code" and code["S3Input"]["S3Uri"].startswith("s3://cdk-hnb659fds-assets-")
    assert raw["S3Input"]["S3Uri.$"] == "$.config.raw_data_uri"
    outputs = {o["OutputName"]: o["S3Output"] for o in preprocess["ProcessingOutputConfig"]["Outputs"]}
    assert set(outputs) == {"train", "validation", "test", "test_features", "meta"}
    assert outputs["test_features"]["LocalPath"] == "/opt/ml/processing/output/test_features"


def test_population_pca_then_kmeans(synthesized: Synthesized) -> None:
    s = states(synthesized, "PopulationSegmentation")
    assert s["TrainPca"]["Parameters"]["HyperParameters"]["num_components"] == "33"
    assert (
        s["TrainKmeans"]["Parameters"]["HyperParameters"] | {"k": "8", "feature_dim": "7"}
        == s["TrainKmeans"]["Parameters"]["HyperParameters"]
    )
    assert s["Select"]["Parameters"]["AppSpecification"]["ContainerEntrypoint"][2].endswith(
        "select_components --top-k 7"
    )
    for transform, source in (("Project", "preprocess/train/"), ("Assign", "select/train/")):
        params = s[transform]["Parameters"]
        assert params["TransformInput"]["ContentType"] == "text/csv"
        assert params["TransformInput"]["SplitType"] == "Line"
        assert (
            params["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri.$"]
            == f"States.Format('{{}}{source}', $.run.prefix)"
        )
        assert params["TransformOutput"]["Accept"] == "application/jsonlines"
        assert params["TransformOutput"]["AssembleWith"] == "Line"
    evaluate = {
        i["InputName"]: i["S3Input"]["S3Uri.$"] for i in s["Evaluate"]["Parameters"]["ProcessingInputs"][1:]
    }
    assert evaluate["assignments"] == "States.Format('{}assign/assignments/', $.run.prefix)"
    assert evaluate["variance"] == "States.Format('{}select/meta/', $.run.prefix)"
    assert s["MeetsThreshold"]["Choices"][0] == {
        "Variable": "$.gate.metric.value",
        "NumericGreaterThanEquals": 0.15,
        "Next": "BeatsBaseline",
    }
    assert s["BeatsBaseline"]["Choices"][0] == {
        "Variable": "$.gate.metric.value",
        "NumericGreaterThanEqualsPath": "$.gate.metric.bar",
        "Next": "ReadDeploymentRecord",
    }
    assert s["PickMetric"]["Parameters"]["value.$"] == "$.gate.evaluation.document.metrics.silhouette"
    assert s["PickMetric"]["Parameters"]["bar.$"] == "$.gate.evaluation.document.gate.bar"
    command = s["Evaluate"]["Parameters"]["AppSpecification"]["ContainerEntrypoint"][2]
    assert command.endswith(
        "--gate-metric silhouette --gate-baseline random_assignment --gate-margin 0.1"
        " --gate-direction Maximize"
    )


def test_fraud_linear_learner_is_tuned(synthesized: Synthesized) -> None:
    s = states(synthesized, "FraudDetection")
    tuning = s["TuneLinear"]["Parameters"]
    config = tuning["HyperParameterTuningJobConfig"]
    assert config["HyperParameterTuningJobObjective"] == {
        "Type": "Maximize",
        "MetricName": "validation:binary_f_beta",
    }
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 8, "MaxParallelTrainingJobs": 2}
    static = tuning["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["binary_classifier_model_selection_criteria"] == "precision_at_target_recall"
    assert static["target_recall"] == "0.9" and static["positive_example_weight_mult"] == "balanced"
    # as the SageMaker SDK's tuner does: LinearLearner then trains one model per trial
    assert static["_tuning_objective_metric"] == "validation:binary_f_beta"
    tuned = {r["Name"] for r in config["ParameterRanges"]["ContinuousParameterRanges"]}
    assert tuned == {"learning_rate", "wd"} and not tuned & set(static)
    assert s["PickMetric"]["Parameters"]["value.$"] == "$.gate.evaluation.document.metrics['test:recall']"
    assert s["DescribeBestLinear"]["Parameters"] == {
        "TrainingJobName.$": "$.steps.linear.tuning.BestTrainingJobName"
    }


def test_moons_script_mode_tuning_and_serving(synthesized: Synthesized) -> None:
    s = states(synthesized, "MoonClassification")
    definition = s["TuneMlp"]["Parameters"]["TrainingJobDefinition"]
    ranges = s["TuneMlp"]["Parameters"]["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert [r["Name"] for r in ranges["IntegerParameterRanges"]] == ["hidden_dim"]
    assert [r["Name"] for r in ranges["ContinuousParameterRanges"]] == ["lr"]
    assert definition["AlgorithmSpecification"]["MetricDefinitions"] == [
        {"Name": "validation:accuracy", "Regex": r"validation:accuracy=([0-9\.]+);"},
        {"Name": "test:accuracy", "Regex": r"test:accuracy=([0-9\.]+);"},
        {
            "Name": "baseline:logistic_regression:test:accuracy",
            "Regex": r"test:baseline_accuracy=([0-9\.]+);",
        },
    ]
    static = definition["StaticHyperParameters"]
    assert static["sagemaker_program"] == "ml_code/moon_classification/train.py"
    assert "_tuning_objective_metric" not in static  # a script would receive it as an argument
    assert static["sagemaker_submit_directory"].startswith("s3://cdk-hnb659fds-assets-")
    # The training toolkit puts /opt/ml/code on PYTHONPATH itself; the optimized tuning integration
    # would refuse TrainingJobDefinition.Environment.
    assert "Environment" not in definition
    image = definition["AlgorithmSpecification"]["TrainingImage"]
    assert image.endswith("/pytorch:2.13-cpu-amzn2023-sagemaker")
    container = s["CreateModelMlp"]["Parameters"]["PrimaryContainer"]
    assert container["Image"].endswith("/pytorch-inference:2.6-cpu-py312")
    # served from code/ inside model.tar.gz: no source archive, no PYTHONPATH
    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": "ml_code.moon_classification.inference",
        "SAGEMAKER_REGION": "us-east-1",
    }
    assert (
        s["FindMetric"]["Parameters"]["values.$"]
        == "$.gate.lists..[?(@.MetricName == 'test:accuracy')].Value"
    )
    assert s["ReadMetric"]["Parameters"]["reported.$"] == "$.steps.mlp.training"


def test_power_deepar_and_lower_is_better_gate(synthesized: Synthesized) -> None:
    s = states(synthesized, "PowerForecasting")
    params = s["TrainDeepar"]["Parameters"]
    assert params["HyperParameters"] == {
        "time_freq": "D",
        "context_length": "30",
        "prediction_length": "30",
        "epochs": "50",
        "num_cells": "50",
        "num_layers": "2",
        "learning_rate": "0.001",
        "early_stopping_patience": "10",
    }
    assert [c["ChannelName"] for c in params["InputDataConfig"]] == ["train"]
    assert {c["ContentType"] for c in params["InputDataConfig"]} == {"application/jsonlines"}
    assert "/forecasting-deepar:1" in params["AlgorithmSpecification"]["TrainingImage"]
    # the deployed model forecasts the test windows in a batch transform, one series per request
    forecast = s["Forecast"]["Parameters"]
    assert forecast["TransformInput"]["ContentType"] == "application/jsonlines"
    assert forecast["TransformOutput"]["Accept"] == "application/jsonlines"
    assert forecast["BatchStrategy"] == "SingleRecord"
    command = s["Evaluate"]["Parameters"]["AppSpecification"]["ContainerEntrypoint"][2]
    assert "ml_code.power_forecasting.evaluate --prediction-length 30 --gate-metric test:RMSE" in command
    assert command.endswith("--gate-baseline naive_last_30 --gate-margin 0.01 --gate-direction Minimize")
    assert s["MeetsThreshold"]["Choices"][0]["NumericLessThanEquals"] == 0.5
    assert s["BeatsBaseline"]["Choices"][0]["NumericLessThanEqualsPath"] == "$.gate.metric.bar"
    assert s["BeatsBaseline"]["Default"] == "NotBetterThanBaseline"
    compare = s["BetterThanDeployed"]["Choices"]
    assert compare[0] == {
        "Variable": "$.deployed.document.metric.value",
        "IsPresent": False,
        "Next": "QualityGatePassed",
    }
    assert compare[1]["Not"] == {"Variable": "$.deployed.document.metric.name", "StringEquals": "test:RMSE"}
    assert compare[2]["NumericLessThanEqualsPath"] == "$.deployed.document.metric.value"
    assert s["BetterThanDeployed"]["Default"] == "WorseThanDeployed"
    assert s["PickMetric"]["Parameters"]["value.$"] == "$.gate.evaluation.document.metrics['test:RMSE']"
    cause = s["NotBetterThanBaseline"]["Parameters"]["Cause.$"]
    assert cause == (
        "States.Format('test:RMSE {} does not beat the baseline naive_last_30 ({}) by 0.01: the bar is {}; "
        "threshold {}', $.gate.metric.value, $.gate.metric.baseline_value, $.gate.metric.bar, "
        "$.gate.metric.threshold)"
    )
