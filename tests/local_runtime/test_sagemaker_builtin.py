"""A built-in algorithm stand-in run as SageMaker would: k-means training, then batch transform.

Uses the bundled moons features; the metric the job reports and the transform's assignments are
checked against the centers in the model.tar.gz the job produced.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker

DATA = Path(__file__).resolve().parents[2] / "data" / "moons"
BUCKET = "local-bucket"
KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"


def features(name: str) -> np.ndarray:
    with (DATA / name).open() as fh:
        return np.array([[float(v) for v in row[1:]] for row in csv.reader(fh)])


def put(s3: LocalS3, key: str, rows: np.ndarray) -> None:
    path = s3.path(f"s3://{BUCKET}/{key}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))


def channel(name: str, prefix: str) -> dict[str, Any]:
    source = {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{prefix}"}
    return {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": source}}


def test_kmeans_training_and_transform_match_the_model_they_produced(
    tmp_path: Path, local_s3: LocalS3
) -> None:
    from local_runtime.endpoints.controller import EndpointController

    train, test = features("train.csv"), features("test.csv")
    put(local_s3, "moons/train/train.csv", train)
    put(local_s3, "moons/test/test.csv", test)
    sm = LocalSageMaker(tmp_path / "work", local_s3, EndpointController(tmp_path / "endpoints", local_s3))
    sm.create_training_job(
        {
            "TrainingJobName": "moons-kmeans",
            "RoleArn": "arn:aws:iam::000000000000:role/sagemaker",
            "AlgorithmSpecification": {"TrainingImage": KMEANS, "TrainingInputMode": "File"},
            "HyperParameters": {
                "k": "2",
                "feature_dim": "2",
                "mini_batch_size": "100",
                "eval_metrics": '["msd"]',
            },
            "InputDataConfig": [channel("train", "moons/train"), channel("test", "moons/test")],
            "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/models"},
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 300},
        }
    )
    job = sm.wait("TrainingJob", "moons-kmeans", timeout=120)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    with tarfile.open(local_s3.path(job["ModelArtifacts"]["S3ModelArtifacts"])) as tar:
        saved = tar.extractfile("kmeans_model.npz")
        assert saved is not None
        centers = np.load(io.BytesIO(saved.read()))["centers"]
    assert centers.shape == (2, 2)
    distances = np.sqrt(((test[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
    reported = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert (
        abs(reported["test:msd"] - float((distances.min(axis=1) ** 2).mean())) < 1e-5 * reported["test:msd"]
    )
    assert "train:msd" in reported

    sm.create_model(
        {
            "ModelName": "moons-kmeans",
            "ExecutionRoleArn": "arn:aws:iam::000000000000:role/sagemaker",
            "PrimaryContainer": {"Image": KMEANS, "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]},
        }
    )
    sm.create_transform_job(
        {
            "TransformJobName": "moons-assign",
            "ModelName": "moons-kmeans",
            "BatchStrategy": "MultiRecord",
            "MaxPayloadInMB": 1,
            "TransformInput": {
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/moons/test"}
                },
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            "TransformOutput": {
                "S3OutputPath": f"s3://{BUCKET}/assignments",
                "Accept": "application/jsonlines",
                "AssembleWith": "Line",
            },
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        }
    )
    done = sm.wait("TransformJob", "moons-assign", timeout=120)
    assert done["TransformJobStatus"] == "Completed", done.get("FailureReason")
    lines = local_s3.path(f"s3://{BUCKET}/assignments/test.csv.out").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["closest_cluster"] for r in records] == [float(c) for c in distances.argmin(axis=1)]
    assert np.allclose([r["distance_to_cluster"] for r in records], distances.min(axis=1))
