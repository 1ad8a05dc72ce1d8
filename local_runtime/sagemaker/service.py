"""LocalSageMaker: the SageMaker API actions a state machine calls, served on this machine.

Methods are named after the API actions (boto3's snake_case) and take and return boto-shaped
dicts, so the Step Functions adapter can dispatch `createTrainingJob` to `create_training_job`.
Jobs run here; model and endpoint actions are delegated to the endpoint service.
Errors are `local_runtime.errors.SageMakerError` with SageMaker's error codes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from local_runtime.contracts.api_shapes import require_valid
from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import processing, training, transform, tuning
from local_runtime.sagemaker.progress import Progress
from local_runtime.sagemaker.registry import JobStore


class LocalSageMaker:
    def __init__(
        self,
        workdir: Path,
        s3: LocalS3,
        endpoints: Any | None = None,
        *,
        region: str | None = None,
        progress: Progress | None = None,
        heartbeat_seconds: float = 30.0,
        execution: str | None = None,
    ) -> None:
        """`execution`: the execution whose jobs these are, written in each job folder (`retention`)."""
        self.region = (
            region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        self.endpoints = endpoints
        self.jobs = JobStore(workdir, s3, self.region, progress, heartbeat_seconds, execution)

    # -- processing ----------------------------------------------------------------------------
    def create_processing_job(self, request: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createProcessingJob", request)
        processing.validate(request)
        return self.jobs.submit(
            "ProcessingJob", request["ProcessingJobName"], request, processing.run_processing
        )

    def describe_processing_job(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.jobs.describe("ProcessingJob", request["ProcessingJobName"])

    # -- training ------------------------------------------------------------------------------
    def create_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createTrainingJob", request)
        training.validate(request)
        return self.jobs.submit("TrainingJob", request["TrainingJobName"], request, training.run_training)

    def describe_training_job(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.jobs.describe("TrainingJob", request["TrainingJobName"])

    # -- batch transform -----------------------------------------------------------------------
    def create_transform_job(self, request: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createTransformJob", request)
        transform.validate(request)
        model = self._endpoints("describe_model")({"ModelName": request["ModelName"]})
        return self.jobs.submit(
            "TransformJob",
            request["TransformJobName"],
            request,
            lambda ctx: transform.run_transform(ctx, model),
        )

    def describe_transform_job(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.jobs.describe("TransformJob", request["TransformJobName"])

    # -- hyperparameter tuning -----------------------------------------------------------------
    def create_hyper_parameter_tuning_job(self, request: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createHyperParameterTuningJob", request)
        tuning.validate(request)
        training.validate(request["TrainingJobDefinition"])
        return self.jobs.submit(
            "HyperParameterTuningJob",
            request["HyperParameterTuningJobName"],
            request,
            lambda ctx: tuning.run_tuning(ctx, self._train_to_end),
        )

    def describe_hyper_parameter_tuning_job(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["HyperParameterTuningJobName"]
        if name not in self.jobs.names("HyperParameterTuningJob"):
            raise SageMakerError(
                "ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name {name}"
            )
        describe = self.jobs.describe("HyperParameterTuningJob", name)
        describe.pop("LocalTrainingJobSummaries", None)
        return describe

    def list_training_jobs_for_hyper_parameter_tuning_job(self, request: dict[str, Any]) -> dict[str, Any]:
        self.describe_hyper_parameter_tuning_job(request)
        describe = self.jobs.describe("HyperParameterTuningJob", request["HyperParameterTuningJobName"])
        return {"TrainingJobSummaries": describe.get("LocalTrainingJobSummaries", [])}

    def _train_to_end(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["TrainingJobName"]
        self.jobs.submit("TrainingJob", name, request, training.run_training, background=False)
        return self.jobs.describe("TrainingJob", name)

    def wait(self, kind: str, name: str, timeout: float | None = None) -> dict[str, Any]:
        """Block until a job ends (for tests and the CLI); returns its Describe* answer."""
        answer = self.jobs.wait(kind, name, timeout)
        if kind == "HyperParameterTuningJob":
            return self.describe_hyper_parameter_tuning_job({"HyperParameterTuningJobName": name})
        return answer

    # -- models and endpoints: delegated ---------------------------------------------------------
    def _endpoints(self, action: str) -> Any:
        if self.endpoints is None:
            raise SageMakerError("ValidationException", f"{action}: no local endpoint service is configured")
        return getattr(self.endpoints, action)

    def create_model(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("create_model")(request)  # type: ignore[no-any-return]

    def describe_model(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("describe_model")(request)  # type: ignore[no-any-return]

    def create_endpoint_config(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("create_endpoint_config")(request)  # type: ignore[no-any-return]

    def describe_endpoint_config(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("describe_endpoint_config")(request)  # type: ignore[no-any-return]

    def create_endpoint(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("create_endpoint")(request)  # type: ignore[no-any-return]

    def describe_endpoint(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("describe_endpoint")(request)  # type: ignore[no-any-return]

    def update_endpoint(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("update_endpoint")(request)  # type: ignore[no-any-return]

    def delete_endpoint(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._endpoints("delete_endpoint")(request)  # type: ignore[no-any-return]
