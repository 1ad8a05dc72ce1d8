"""Hand-written state machines run end to end: moto interprets the ASL, local jobs do the work."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from local_runtime.execution import run_state_machine
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker
from local_runtime.sagemaker.progress import ProgressEvent

BUCKET = "local-bucket"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
PYTORCH_TRAINING = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310"


def processing_state(next_state: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sagemaker:createProcessingJob.sync",
        "Parameters": {
            "ProcessingJobName.$": "States.Format('{}-process', $$.Execution.Name)",
            "RoleArn": "arn:aws:iam::000000000000:role/sagemaker",
            "ProcessingResources": {
                "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
            },
            "AppSpecification": {
                "ImageUri": SKLEARN,
                "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/process.py"],
                "ContainerArguments": ["/opt/ml/processing/input/data", "/opt/ml/processing/output/report"],
            },
            "ProcessingInputs": [
                {
                    "InputName": "code",
                    "S3Input": {
                        "S3Uri": f"s3://{BUCKET}/code/process.py",
                        "LocalPath": "/opt/ml/processing/input/code",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                },
                {
                    "InputName": "data",
                    "S3Input": {
                        "S3Uri": f"s3://{BUCKET}/data",
                        "LocalPath": "/opt/ml/processing/input/data",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                },
            ],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": "report",
                        "S3Output": {
                            "S3Uri.$": f"States.Format('s3://{BUCKET}/runs/{{}}/report', $$.Execution.Name)",
                            "LocalPath": "/opt/ml/processing/output/report",
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ]
            },
        },
        "ResultPath": "$.process",
        "Next": next_state,
    }


def training_state(
    next_state: str, hyperparameters: dict[str, str], catch: list[Any] | None = None
) -> dict[str, Any]:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
        "Parameters": {
            "TrainingJobName.$": "$$.Execution.Name",
            "RoleArn": "arn:aws:iam::000000000000:role/sagemaker",
            "AlgorithmSpecification": {
                "TrainingImage": PYTORCH_TRAINING,
                "TrainingInputMode": "File",
                "MetricDefinitions": [
                    {"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9\\.]+);"}
                ],
            },
            "HyperParameters": {
                "sagemaker_program": '"train.py"',
                "sagemaker_submit_directory": f'"s3://{BUCKET}/code/sourcedir.tar.gz"',
                **hyperparameters,
            },
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"s3://{BUCKET}/data",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/models"},
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 120},
        },
        "ResultPath": "$.train",
        "Next": next_state,
    }
    if catch:
        state["Catch"] = catch
    return state


def run(sm: LocalSageMaker, s3: LocalS3, states: dict[str, Any], start: str, name: str, **kwargs: Any) -> Any:
    definition = {"StartAt": start, "States": states}
    workdir = sm.jobs.workdir
    return run_state_machine(
        definition, {"case": "toy"}, workdir=workdir, sagemaker=sm, s3=s3, name=name, **kwargs
    )


def test_processing_job_runs_the_entrypoint_and_uploads_its_outputs(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3, progress_events: list[ProgressEvent]
) -> None:
    result = run(
        local_sagemaker,
        local_s3,
        {"Process": processing_state("Done"), "Done": {"Type": "Succeed"}},
        "Process",
        "run1",
        progress=progress_events.append,
    )
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["process"]["ProcessingJobStatus"] == "Completed"
    assert (
        result.output["process"]["ProcessingJobArn"]
        == "arn:aws:sagemaker:us-east-1:000000000000:processing-job/run1-process"
    )
    report = json.loads(local_s3.path(f"s3://{BUCKET}/runs/run1/report/total.json").read_text())
    assert report["metrics"]["total"] == 6.5
    assert Path(report["python"]).parent == Path(__import__("sys").executable).parent  # python3 is the venv's
    phases = [(e.source, e.name, e.phase) for e in progress_events if e.phase != "heartbeat"]
    assert ("ProcessingJob", "run1-process", "started") in phases
    assert ("ProcessingJob", "run1-process", "completed") in phases
    assert ("State", "Process", "entered") in phases and ("State", "Process", "exited") in phases
    saved = json.loads((local_sagemaker.jobs.workdir / "executions" / "run1.json").read_text())
    assert [e["type"] for e in saved["events"]][-1] == "ExecutionSucceeded"


@pytest.mark.parametrize(("lr", "status", "accuracy"), [("0.25", "SUCCEEDED", 0.95), ("0.6", "FAILED", 0.7)])
def test_script_mode_training_then_a_choice_on_its_metric(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3, lr: str, status: str, accuracy: float
) -> None:
    states = {
        "Train": training_state("Gate", {"lr": lr}),
        "Gate": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.train.FinalMetricDataList[0].Value",
                    "NumericGreaterThanEquals": 0.9,
                    "Next": "Deploy",
                }
            ],
            "Default": "TooWeak",
        },
        "Deploy": {"Type": "Succeed"},
        "TooWeak": {"Type": "Fail", "Error": "QualityGate", "Cause": "accuracy below 0.9"},
    }
    name = f"train-{lr.replace('.', '')}"
    result = run(local_sagemaker, local_s3, states, "Train", name)
    assert result.status == status
    described = local_sagemaker.describe_training_job({"TrainingJobName": name})
    assert described["FinalMetricDataList"][0]["MetricName"] == "validation:accuracy"
    assert described["FinalMetricDataList"][0]["Value"] == pytest.approx(accuracy)  # last value (stderr) wins
    if status == "FAILED":
        assert (result.error, result.cause) == ("QualityGate", "accuracy below 0.9")
        return
    train = result.output["train"]
    assert train["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://{BUCKET}/models/{name}/output/model.tar.gz"
    assert isinstance(train["CreationTime"], int)  # optimised integrations render epoch milliseconds
    with tarfile.open(local_s3.path(train["ModelArtifacts"]["S3ModelArtifacts"])) as tar:
        assert tar.getnames() == ["model.json"]
        model = json.loads(tar.extractfile("model.json").read())  # type: ignore[union-attr]
    assert model == {"lr": 0.25, "mean": pytest.approx(6.5 / 3)}
    with tarfile.open(local_s3.path(f"s3://{BUCKET}/models/{name}/output/output.tar.gz")) as tar:
        assert tar.getnames() == ["notes.txt"]
    stdout = (local_sagemaker.jobs.workdir / "jobs" / name / "stdout.log").read_text()
    assert 'hps {"lr": 0.25}' in stdout  # sagemaker_* hyperparameters are not passed to the script


def test_a_failed_sync_job_is_states_task_failed_and_caught(
    local_sagemaker: LocalSageMaker, local_s3: LocalS3, progress_events: list[ProgressEvent]
) -> None:
    catch = [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Recover"}]
    states = {
        "Train": training_state("Done", {"fail": '"yes"'}, catch),
        "Recover": {"Type": "Pass", "End": True},
        "Done": {"Type": "Succeed"},
    }
    result = run(local_sagemaker, local_s3, states, "Train", "doomed", progress=progress_events.append)
    assert result.status == "SUCCEEDED"
    assert result.output["error"]["Error"] == "States.TaskFailed"
    cause = json.loads(result.output["error"]["Cause"])  # the DescribeTrainingJob answer, as on AWS
    assert cause["TrainingJobStatus"] == "Failed"
    assert cause["FailureReason"] == "ValueError: asked to fail"
    assert not local_s3.exists(f"s3://{BUCKET}/models/doomed/output/model.tar.gz")
    failed = [e for e in result.events if e["type"] == "TaskFailed"]
    assert failed[0]["taskFailedEventDetails"]["resource"] == "createTrainingJob.sync"
    shown = [(e.source, e.name, e.phase, e.detail) for e in progress_events]
    assert ("TrainingJob", "doomed", "failed", "ValueError: asked to fail") in shown
    assert ("State", "Train", "failed", "States.TaskFailed") in shown
    assert ("State", "Recover", "entered", "") in shown
