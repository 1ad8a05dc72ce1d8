"""LocalSageMaker's API behaviour: validation errors, names, delegation, and batch transform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker, channels
from local_runtime.sagemaker.transform_worker import TransformFailed, payloads
from tests.local_runtime.conftest import TOY_HANDLER

BUCKET = "local-bucket"
PYTORCH_TRAINING = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310"
PYTORCH_INFERENCE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-cpu-py310"


PROCESSING = {
    "ProcessingJobName": "p",
    "RoleArn": "arn:aws:iam::000000000000:role/sagemaker",
    "ProcessingResources": {
        "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
    },
    "AppSpecification": {"ImageUri": PYTORCH_TRAINING, "ContainerEntrypoint": ["python3", "-c", "pass"]},
}


def training_request(name: str, **changes: Any) -> dict[str, Any]:
    request = {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::000000000000:role/sagemaker",
        "AlgorithmSpecification": {"TrainingImage": PYTORCH_TRAINING, "TrainingInputMode": "File"},
        "HyperParameters": {
            "sagemaker_program": '"train.py"',
            "sagemaker_submit_directory": f'"s3://{BUCKET}/code/sourcedir.tar.gz"',
        },
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/data"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/models"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    request.update(changes)
    return request


def error_of(call: Any, request: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(SageMakerError) as info:
        call(request)
    return info.value.code, info.value.message


def test_create_validates_like_sagemaker(local_sagemaker: LocalSageMaker) -> None:
    create = local_sagemaker.create_training_job
    assert error_of(create, training_request("bad_name"))[0] == "ValidationException"
    assert error_of(create, training_request("x", HyperParameters={"epochs": 3})) == (
        "ValidationException",
        "1 validation error detected: Value '3' at 'hyperParameters.epochs' failed to satisfy constraint: "
        "Member must be a string",
    )
    spec = {"TrainingImage": PYTORCH_TRAINING, "MetricDefinitions": [{"Name": "m", "Regex": "("}]}
    assert error_of(create, training_request("x", AlgorithmSpecification=spec))[0] == "ValidationException"
    assert error_of(create, {"TrainingJobName": "x"}) == (
        "ValidationException",
        "2 validation errors detected: Value 'None' at 'roleArn' failed to satisfy constraint: Member "
        "must not be null; Value 'None' at 'outputDataConfig' failed to satisfy constraint: Member must "
        "not be null",
    )
    s3_input = {"S3Uri": "s3://b/a", "LocalPath": "/tmp/a", "S3DataType": "S3Prefix", "S3InputMode": "File"}
    bad_path = [{"InputName": "a", "S3Input": s3_input}]
    code, message = error_of(
        local_sagemaker.create_processing_job, {**PROCESSING, "ProcessingInputs": bad_path}
    )
    assert (code, message) == (
        "ValidationException",
        "ProcessingInputs.S3Input.LocalPath must start with /opt/ml/processing/, got '/tmp/a'",
    )
    assert (
        local_sagemaker.jobs.names("TrainingJob") == [] and local_sagemaker.jobs.names("ProcessingJob") == []
    )


def test_names_are_unique_and_unknown_jobs_are_not_found(local_sagemaker: LocalSageMaker) -> None:
    answer = local_sagemaker.create_training_job(training_request("once"))
    assert answer == {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:000000000000:training-job/once"}
    code, message = error_of(local_sagemaker.create_training_job, training_request("once"))
    assert code == "ResourceInUse" and message.startswith("Training job names must be unique")
    code, message = error_of(
        local_sagemaker.create_processing_job, {**PROCESSING, "ProcessingJobName": "once"}
    )
    assert code == "ResourceInUse" and "job folder" in message  # every job's folder is jobs/<name>
    done = local_sagemaker.wait("TrainingJob", "once", timeout=60)
    assert done["TrainingJobStatus"] == "Completed" and done["SecondaryStatus"] == "Completed"
    assert done["TrainingStartTime"] <= done["TrainingEndTime"]
    assert error_of(local_sagemaker.describe_training_job, {"TrainingJobName": "never"}) == (
        "ValidationException",
        "Requested resource not found.",
    )
    assert error_of(
        local_sagemaker.describe_hyper_parameter_tuning_job, {"HyperParameterTuningJobName": "never"}
    )[0] == ("ResourceNotFound")


def test_missing_input_data_fails_the_job_not_the_call(local_sagemaker: LocalSageMaker) -> None:
    channel = [
        {
            "ChannelName": "train",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/nothing"}},
        }
    ]
    local_sagemaker.create_training_job(training_request("nodata", InputDataConfig=channel))
    done = local_sagemaker.wait("TrainingJob", "nodata", timeout=30)
    assert done["TrainingJobStatus"] == "Failed"
    assert done["FailureReason"] == f'ClientError: No S3 objects found under S3 URL "s3://{BUCKET}/nothing"'


def test_endpoint_actions_need_an_endpoint_service(local_sagemaker: LocalSageMaker) -> None:
    code, message = error_of(local_sagemaker.describe_endpoint, {"EndpointName": "e"})
    assert code == "ValidationException" and "no local endpoint service" in message


@pytest.mark.parametrize(
    ("strategy", "limit", "expected"),
    [
        ("SingleRecord", 100, [b"1", b"22", b"333"]),
        ("MultiRecord", 100, [b"1\n22\n333"]),
        ("MultiRecord", 6, [b"1\n22", b"333"]),  # "1\n22" is 4 bytes; adding "\n333" would exceed 6
        ("MultiRecord", 0, [b"1\n22\n333"]),  # 0: no limit
    ],
)
def test_payloads_split_lines_and_pack_batches(strategy: str, limit: int, expected: list[bytes]) -> None:
    assert list(payloads(b"1\n22\n\n333\n", "Line", strategy, limit)) == expected


def test_payloads_reject_what_exceeds_max_payload() -> None:
    with pytest.raises(TransformFailed, match="record 2"):
        list(payloads(b"1\n4444\n", "Line", "SingleRecord", 3))
    with pytest.raises(TransformFailed, match="SplitType is None"):
        list(payloads(b"123456", "None", "MultiRecord", 3))
    assert list(payloads(b"a\nb\n", "None", "MultiRecord", 100)) == [b"a\nb\n"]


def test_transform_job_runs_the_models_handlers_over_every_file(
    tmp_path: Path, local_s3: LocalS3, local_sagemaker: LocalSageMaker
) -> None:
    from local_runtime.endpoints.controller import EndpointController

    model_dir = tmp_path / "model"
    (model_dir / "code").mkdir(parents=True)
    (model_dir / "model.json").write_text('{"scale": 2}')
    (model_dir / "code" / "handler.py").write_text(TOY_HANDLER)  # the serving toolkit's code/ folder
    channels.tar_directory(model_dir, local_s3.path(f"s3://{BUCKET}/model/model.tar.gz"))
    for key, text in {"batch/a.csv": "1\n2\n\n3\n", "batch/sub/b.csv": "4\n", "bad/c.csv": "1\n-1\n"}.items():
        local_s3.path(f"s3://{BUCKET}/{key}").parent.mkdir(parents=True, exist_ok=True)
        local_s3.path(f"s3://{BUCKET}/{key}").write_text(text)
    endpoints = EndpointController(tmp_path / "endpoints", local_s3)
    sm = LocalSageMaker(tmp_path / "work", local_s3, endpoints, heartbeat_seconds=0.2)
    sm.create_model(
        {
            "ModelName": "toy",
            "ExecutionRoleArn": "arn:aws:iam::000000000000:role/sagemaker",
            "PrimaryContainer": {
                "Image": PYTORCH_INFERENCE,
                "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz",
                "Environment": {"SAGEMAKER_PROGRAM": "handler.py"},
            },
        }
    )

    def transform(name: str, prefix: str) -> dict[str, Any]:
        sm.create_transform_job(
            {
                "TransformJobName": name,
                "ModelName": "toy",
                "BatchStrategy": "MultiRecord",
                "MaxPayloadInMB": 1,
                "TransformInput": {
                    "DataSource": {
                        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{prefix}"}
                    },
                    "ContentType": "text/csv",
                    "SplitType": "Line",
                },
                "TransformOutput": {
                    "S3OutputPath": f"s3://{BUCKET}/out/{name}",
                    "Accept": "application/jsonlines",
                    "AssembleWith": "Line",
                },
                "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
            }
        )
        return sm.wait("TransformJob", name, timeout=60)

    assert transform("good", "batch")["TransformJobStatus"] == "Completed"
    out = local_s3.path(f"s3://{BUCKET}/out/good")
    assert [json.loads(line)["score"] for line in (out / "a.csv.out").read_text().splitlines()] == [
        2.0,
        4.0,
        6.0,
    ]
    assert (out / "sub" / "b.csv.out").read_text() == '{"score": 8.0}\n'
    failed = transform("broken", "bad")
    assert failed["TransformJobStatus"] == "Failed"
    assert failed["FailureReason"] == "ClientError: c.csv: request 1: ValueError: negative input"
    assert not local_s3.exists(f"s3://{BUCKET}/out/broken")  # nothing half-written
    assert (
        error_of(sm.create_transform_job, {"TransformJobName": "x", "ModelName": "missing"})[0]
        == "ValidationException"
    )
