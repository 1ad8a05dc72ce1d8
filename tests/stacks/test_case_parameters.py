"""The seeds' settings reach the SageMaker requests, under SageMaker's own names."""

from __future__ import annotations

from typing import Any

from conftest import Synthesized
from helpers import pipeline_stacks


def states(synthesized: Synthesized, stack: str) -> dict[str, Any]:
    return synthesized.definition(stack)["States"]


def test_processing_jobs_follow_the_container_contract(synthesized: Synthesized) -> None:
    preprocess = states(synthesized, "mlcases-dev-fraud-detection")["Preprocess"]["Parameters"]
    entry = preprocess["AppSpecification"]["ContainerEntrypoint"]
    module = "ml_code.fraud_detection.preprocess"
    script = f'cd /opt/ml/processing/input/code && tar xzf *.gz && exec python3 -m {module} "$@"'
    assert entry == ["bash", "-c", script, module]  # the arguments follow as $1.. (ContainerArguments)
    assert preprocess["AppSpecification"]["ContainerArguments"] == ["--population-counts", "0=284315,1=492"]
    assert preprocess["Environment"] == {"PYTHONPATH": "/opt/ml/processing/input/code"}
    assert preprocess["AppSpecification"]["ImageUri"].endswith("/pytorch:2.13-cpu-amzn2023-sagemaker")
    code, raw = preprocess["ProcessingInputs"]
    assert code["InputName"] == "code" and code["S3Input"]["S3Uri"].startswith("s3://cdk-hnb659fds-assets-")
    assert raw["S3Input"]["S3Uri.$"] == "$.config.raw_data_uri"
    outputs = {o["OutputName"]: o["S3Output"] for o in preprocess["ProcessingOutputConfig"]["Outputs"]}
    assert set(outputs) == {"train", "validation", "test", "holdout_features", "meta"}
    assert outputs["holdout_features"]["LocalPath"] == "/opt/ml/processing/output/holdout_features"


def test_population_pca_then_kmeans(synthesized: Synthesized) -> None:
    s = states(synthesized, "mlcases-dev-population-segmentation")
    assert s["TrainPca"]["Parameters"]["HyperParameters"]["num_components"] == "33"
    assert (
        s["TrainKmeans"]["Parameters"]["HyperParameters"] | {"k": "8", "feature_dim": "7"}
        == s["TrainKmeans"]["Parameters"]["HyperParameters"]
    )
    select = s["Select"]["Parameters"]["AppSpecification"]
    assert select["ContainerEntrypoint"][3] == "ml_code.population_segmentation.select_components"
    assert select["ContainerArguments"] == ["--top-k", "7"]
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
    arguments = s["Evaluate"]["Parameters"]["AppSpecification"]["ContainerArguments"]
    assert arguments[-8:] == [
        "--gate-metric", "silhouette", "--gate-baseline", "random_assignment",
        "--gate-margin", "0.1", "--gate-direction", "Maximize",
    ]  # fmt: skip


def test_fraud_linear_learner_is_tuned(synthesized: Synthesized) -> None:
    s = states(synthesized, "mlcases-dev-fraud-detection")
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
    assert s["DescribeBestLinear"]["Parameters"] == {
        "TrainingJobName.$": "$.steps.linear.tuning.BestTrainingJobName"
    }


def test_fraud_xgboost_challenger_is_tuned_scored_and_may_be_chosen(synthesized: Synthesized) -> None:
    s = states(synthesized, "mlcases-dev-fraud-detection")
    tuning = s["TuneXgboost"]["Parameters"]
    config = tuning["HyperParameterTuningJobConfig"]
    assert config["HyperParameterTuningJobObjective"] == {
        "Type": "Maximize",
        "MetricName": "validation:aucpr",
    }
    definition = tuning["TrainingJobDefinition"]
    assert definition["AlgorithmSpecification"]["TrainingImage"].endswith("/sagemaker-xgboost:3.0-5")
    assert definition["StaticHyperParameters"]["objective"] == "binary:logistic"
    # both candidates score the validation and test rows; XGBoost answers text/csv
    for name, accept in (("ScoreLinear", "application/jsonlines"), ("ScoreXgboost", "text/csv")):
        transform = s[name]["Parameters"]
        assert transform["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri.$"] == (
            "States.Format('{}preprocess/holdout_features/', $.run.prefix)"
        )
        assert transform["TransformOutput"]["Accept"] == accept
    command = " ".join(s["Evaluate"]["Parameters"]["AppSpecification"]["ContainerArguments"])
    assert "--candidates linear,xgboost --gate-metric auprc_prior_corrected" in command
    assert "--gate-baseline logistic_regression" in command
    assert (
        s["PickMetric"]["Parameters"]["value.$"] == "$.gate.evaluation.document.metrics.auprc_prior_corrected"
    )
    assert s["ChooseModel"]["Choices"] == [
        {"Variable": "$.gate.evaluation.document.chosen", "IsPresent": True, "Next": "ChosenModel"}
    ]
    assert s["ChooseModel"]["Default"] == "ModelChoiceMissing"
    assert [(c["StringEquals"], c["Next"]) for c in s["ChosenModel"]["Choices"]] == [
        ("linear", "UseLinear"),
        ("xgboost", "UseXgboost"),
    ]
    assert s["ChosenModel"]["Default"] == "NoModelChosen"
    assert s["UseXgboost"]["Parameters"] == {
        "step": "xgboost",
        "model_name.$": "States.ArrayGetItem(States.StringSplit($.steps.xgboost.model.ModelArn, '/'), 1)",
    }
    variant = s["CreateEndpointConfig"]["Parameters"]["ProductionVariants"][0]
    assert variant["ModelName.$"] == "$.model.model_name"


def test_moons_script_mode_tuning_and_serving(synthesized: Synthesized) -> None:
    s = states(synthesized, "mlcases-dev-moon-classification")
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
    # the gate reads the evaluate step, which scores the transform's predictions beside a linear model
    assert s["Score"]["Parameters"]["ModelName.$"].startswith(
        "States.ArrayGetItem(States.StringSplit($.steps.mlp"
    )
    arguments = s["Evaluate"]["Parameters"]["AppSpecification"]["ContainerArguments"]
    assert arguments[arguments.index("--gate-baseline") + 1] == "logistic_regression"
    assert s["PickMetric"]["Parameters"]["value.$"] == "$.gate.evaluation.document.metrics['test:accuracy']"


def test_power_deepar_and_lower_is_better_gate(synthesized: Synthesized) -> None:
    s = states(synthesized, "mlcases-dev-power-forecasting")
    params = s["TrainDeepar"]["Parameters"]
    assert params["HyperParameters"] == {
        "time_freq": "D",
        "context_length": "60",
        "prediction_length": "30",
        "epochs": "10",
        "num_cells": "50",
        "num_layers": "2",
        "learning_rate": "0.0005",
        "dropout_rate": "0.8",
        "early_stopping_patience": "10",
        "num_eval_samples": "1000",
    }
    assert [c["ChannelName"] for c in params["InputDataConfig"]] == ["train"]
    assert {c["ContentType"] for c in params["InputDataConfig"]} == {"application/jsonlines"}
    assert "/forecasting-deepar:1" in params["AlgorithmSpecification"]["TrainingImage"]
    # the deployed model forecasts the test windows in a batch transform, one series per request
    forecast = s["Forecast"]["Parameters"]
    assert forecast["TransformInput"]["ContentType"] == "application/jsonlines"
    assert forecast["TransformOutput"]["Accept"] == "application/jsonlines"
    assert forecast["BatchStrategy"] == "SingleRecord"
    command = " ".join(s["Evaluate"]["Parameters"]["AppSpecification"]["ContainerArguments"])
    assert command == (
        "--prediction-length 30 --gate-metric test:mean_wQuantileLoss --gate-baseline naive_last_30"
        " --gate-margin 0.01 --gate-direction Minimize"
    )
    assert s["MeetsThreshold"]["Choices"][0]["NumericLessThanEquals"] == 0.25
    assert s["BeatsBaseline"]["Choices"][0]["NumericLessThanEqualsPath"] == "$.gate.metric.bar"
    assert s["BeatsBaseline"]["Default"] == "NotBetterThanBaseline"
    compare = s["BetterThanDeployed"]["Choices"]
    assert compare[0] == {
        "Variable": "$.deployed.document.metric.value",
        "IsPresent": False,
        "Next": "QualityGatePassed",
    }
    assert compare[1]["Not"] == {
        "Variable": "$.deployed.document.metric.name",
        "StringEquals": "test:mean_wQuantileLoss",
    }
    assert compare[2]["NumericLessThanEqualsPath"] == "$.deployed.document.metric.value"
    assert s["BetterThanDeployed"]["Default"] == "WorseThanDeployed"
    assert (
        s["PickMetric"]["Parameters"]["value.$"]
        == "$.gate.evaluation.document.metrics['test:mean_wQuantileLoss']"
    )
    cause = s["NotBetterThanBaseline"]["Parameters"]["Cause.$"]
    assert cause == (
        "States.Format('test:mean_wQuantileLoss {} does not beat the baseline naive_last_30 ({}) by 0.01: "
        "the bar is {}; threshold {}', $.gate.metric.value, $.gate.metric.baseline_value, $.gate.metric.bar, "
        "$.gate.metric.threshold)"
    )


def test_no_processing_job_member_exceeds_the_api_limit(synthesized: Synthesized) -> None:
    """CreateProcessingJob: each ContainerEntrypoint and ContainerArguments member holds at most 256
    characters (the API model), which a long gate command line once exceeded."""
    for stack in pipeline_stacks():
        for name, state in states(synthesized, stack).items():
            app = state.get("Parameters", {}).get("AppSpecification", {})
            for member in [*app.get("ContainerEntrypoint", []), *app.get("ContainerArguments", [])]:
                assert len(member) <= 256, (stack, name, member)
