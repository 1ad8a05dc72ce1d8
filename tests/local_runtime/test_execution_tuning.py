"""Hyperparameter tuning through a state machine and directly: strategies, parallelism, best job."""

from __future__ import annotations

import json
import tarfile
from typing import Any

import pytest

from local_runtime.execution import run_state_machine
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker, tuning_space
from local_runtime.sagemaker.progress import ProgressEvent

BUCKET = "local-bucket"
PYTORCH_TRAINING = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310"
METRIC = "validation:accuracy"


def definition(static: dict[str, str]) -> dict[str, Any]:
    return {
        "StaticHyperParameters": {
            "sagemaker_program": '"train.py"',
            "sagemaker_submit_directory": f'"s3://{BUCKET}/code/sourcedir.tar.gz"',
            **static,
        },
        "AlgorithmSpecification": {
            "TrainingImage": PYTORCH_TRAINING,
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": METRIC, "Regex": "validation:accuracy=([0-9\\.]+);"}],
        },
        "RoleArn": "arn:aws:iam::000000000000:role/sagemaker",
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/data"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/tuning"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 120},
    }


def test_grid_tuning_state_machine_picks_the_best_of_four_two_at_a_time(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3, progress_events: list[ProgressEvent]
) -> None:
    config = {
        "Strategy": "Grid",
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": METRIC},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        "ParameterRanges": {
            "CategoricalParameterRanges": [{"Name": "lr", "Values": ["0.1", "0.45", "0.3", "0.2"]}]
        },
    }
    states = {
        "Tune": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync",
            "Parameters": {
                "HyperParameterTuningJobName.$": "$$.Execution.Name",
                "HyperParameterTuningJobConfig": config,
                "TrainingJobDefinition": definition({"sleep": "0.6"}),
            },
            "ResultPath": "$.tune",
            "Next": "Best",
        },
        "Best": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
            "Parameters": {"TrainingJobName.$": "$.tune.BestTrainingJob.TrainingJobName"},
            "ResultSelector": {"model.$": "$.ModelArtifacts.S3ModelArtifacts"},
            "ResultPath": "$.best",
            "End": True,
        },
    }
    result = run_state_machine(
        {"StartAt": "Tune", "States": states},
        {},
        workdir=local_sagemaker.jobs.workdir,
        sagemaker=local_sagemaker,
        s3=local_s3,
        name="grid",
    )
    assert result.status == "SUCCEEDED", result.cause
    tune = result.output["tune"]
    assert tune["HyperParameterTuningJobStatus"] == "Completed"
    best = tune["BestTrainingJob"]
    assert best["TunedHyperParameters"] == {"lr": "0.3"}
    assert best["FinalHyperParameterTuningJobObjectiveMetric"] == {
        "Type": "Maximize",
        "MetricName": METRIC,
        "Value": 1.0,
    }
    assert tune["TrainingJobStatusCounters"]["Completed"] == 4
    assert tune["ObjectiveStatusCounters"] == {"Succeeded": 4, "Pending": 0, "Failed": 0}
    assert (
        result.output["best"]["model"]
        == f"s3://{BUCKET}/tuning/{best['TrainingJobName']}/output/model.tar.gz"
    )
    with tarfile.open(local_s3.path(result.output["best"]["model"])) as tar:
        assert json.loads(tar.extractfile("model.json").read())["lr"] == 0.3  # type: ignore[union-attr]

    trials = [
        local_sagemaker.describe_training_job({"TrainingJobName": n})
        for n in local_sagemaker.jobs.names("TrainingJob")
    ]
    assert sorted(t["HyperParameters"]["lr"] for t in trials) == ["0.1", "0.2", "0.3", "0.45"]
    assert all(
        t["TrainingJobName"].startswith("grid-00") and t["TuningJobArn"].endswith("/grid") for t in trials
    )
    # At most two at a time, and the pool really ran two together (each trial sleeps 0.6 s).
    moments = sorted(
        [(t["TrainingStartTime"], 1) for t in trials] + [(t["TrainingEndTime"], -1) for t in trials]
    )
    running = [sum(step for _, step in moments[: i + 1]) for i in range(len(moments))]
    assert max(running) == 2
    # Each trial reported its start, heartbeats while it slept (every 0.2 s), and its end.
    for trial in trials:
        phases = [e.phase for e in progress_events if e.name == trial["TrainingJobName"]]
        assert phases[0] == "started" and phases[-1] == "completed" and "heartbeat" in phases


def tuning_request(
    name: str, strategy: str, static: dict[str, str], objective: str, jobs: int
) -> dict[str, Any]:
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": strategy,
            "RandomSeed": 7,
            "HyperParameterTuningJobObjective": {"Type": objective, "MetricName": METRIC},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": jobs, "MaxParallelTrainingJobs": 3},
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "lr", "MinValue": "0.05", "MaxValue": "0.5", "ScalingType": "Logarithmic"}
                ],
                "IntegerParameterRanges": [
                    {"Name": "epochs", "MinValue": "1", "MaxValue": "4", "ScalingType": "Linear"}
                ],
            },
        },
        "TrainingJobDefinition": definition(static),
    }


def test_random_tuning_draws_within_ranges_and_minimises(local_sagemaker: LocalSageMaker) -> None:
    request = tuning_request("rand", "Random", {}, "Minimize", 3)
    local_sagemaker.create_hyper_parameter_tuning_job(request)
    tune = local_sagemaker.wait("HyperParameterTuningJob", "rand", timeout=60)
    summaries = local_sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        {"HyperParameterTuningJobName": "rand"}
    )
    tuned = [s["TunedHyperParameters"] for s in summaries["TrainingJobSummaries"]]
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert tuned == tuning_space.configurations("Random", ranges, 3, seed=7)  # seeded, reproducible
    assert all(0.05 <= float(t["lr"]) <= 0.5 and t["epochs"] in {"1", "2", "3", "4"} for t in tuned)
    worst_lr = max(tuned, key=lambda t: abs(float(t["lr"]) - 0.3))
    assert tune["BestTrainingJob"]["TunedHyperParameters"] == worst_lr
    assert tune["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == pytest.approx(
        1 - abs(float(worst_lr["lr"]) - 0.3), abs=1e-4
    )
    assert "LocalTrainingJobSummaries" not in tune and "LocalNotes" not in tune


def test_bayesian_runs_as_random_and_fails_when_every_trial_fails(local_sagemaker: LocalSageMaker) -> None:
    local_sagemaker.create_hyper_parameter_tuning_job(
        tuning_request("bayes", "Bayesian", {"fail": '"yes"'}, "Maximize", 2)
    )
    tune = local_sagemaker.wait("HyperParameterTuningJob", "bayes", timeout=60)
    assert tune["HyperParameterTuningJobStatus"] == "Failed"
    assert tune["FailureReason"].startswith("All training jobs failed")
    assert tune["LocalNotes"] == [
        "Bayesian strategy ran as Random search: no Bayesian optimisation library is installed locally"
    ]
    assert tune["TrainingJobStatusCounters"]["NonRetryableError"] == 2
    assert "BestTrainingJob" not in tune
