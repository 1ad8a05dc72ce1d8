"""A processing job: inputs copied to their LocalPath, the entrypoint run, outputs uploaded.

The container's own entrypoint is the request's `ContainerEntrypoint` (framework images such as
sagemaker-scikit-learn have no other), run with `python3` resolving to this venv's interpreter.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateProcessingJob.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local_runtime import images
from local_runtime.contracts import images as image_contract
from local_runtime.errors import SageMakerError
from local_runtime.sagemaker import channels, container
from local_runtime.sagemaker.jobs import JobContext, JobOutcome

PROCESSING_PREFIX = "/opt/ml/processing/"


def _local_path(value: Any, field: str) -> str:
    # SageMaker requires processing LocalPaths to live under /opt/ml/processing/.
    if not isinstance(value, str) or not value.startswith(PROCESSING_PREFIX):
        raise SageMakerError(
            "ValidationException", f"{field} must start with {PROCESSING_PREFIX}, got {value!r}"
        )
    return value


def validate(request: dict[str, Any]) -> None:
    """What CreateProcessingJob checks beyond its request shape, and what runs locally."""
    for item in request.get("ProcessingInputs", []):
        source = item.get("S3Input")
        if source is None:
            raise SageMakerError(
                "ValidationException", "only S3Input processing inputs are supported locally"
            )
        _local_path(source.get("LocalPath"), "ProcessingInputs.S3Input.LocalPath")
    for item in request.get("ProcessingOutputConfig", {}).get("Outputs", []):
        target = item.get("S3Output", {})
        _local_path(target.get("LocalPath"), "ProcessingOutputConfig.Outputs.S3Output.LocalPath")


def run_processing(ctx: JobContext) -> JobOutcome:
    request, root = ctx.request, ctx.root
    app = request["AppSpecification"]
    images.resolve(app["ImageUri"])  # fails the job for an image with no local equivalent
    for item in request.get("ProcessingInputs", []):
        source = item["S3Input"]
        dest = Path(container.rewrite_opt_ml(source["LocalPath"], root))
        channels.download(ctx.s3, source["S3Uri"], source.get("S3DataType", "S3Prefix"), dest)
    outputs = request.get("ProcessingOutputConfig", {}).get("Outputs", [])
    for item in outputs:
        Path(container.rewrite_opt_ml(item["S3Output"]["LocalPath"], root)).mkdir(parents=True, exist_ok=True)
    command = [container.rewrite_opt_ml(part, root) for part in app.get("ContainerEntrypoint", [])]
    command += [container.rewrite_opt_ml(part, root) for part in app.get("ContainerArguments", [])]
    if not command:
        return JobOutcome.failed("ClientError: AppSpecification.ContainerEntrypoint is required locally")
    refused = image_contract.check_entrypoint(app["ImageUri"], command)
    if refused:
        return JobOutcome.failed(f"ClientError: {'; '.join(refused)}")
    # `python3` in the command is the image's: a shim checks the code it runs against the manifest.
    shim = image_contract.write_shim(root.parent / "image_bin", app["ImageUri"])
    env = container.job_environment(root, container.rewrite_all(request.get("Environment"), root), [], [shim])
    result = ctx.run(command, env=env, cwd=root)
    if result.failure_reason:
        return JobOutcome.failed(result.failure_reason, stopped=result.timed_out)
    kms_key = request.get("ProcessingOutputConfig", {}).get("KmsKeyId")
    for item in outputs:
        local = Path(container.rewrite_opt_ml(item["S3Output"]["LocalPath"], root))
        channels.upload(ctx.s3, local, item["S3Output"]["S3Uri"].rstrip("/"), kms_key)
    return JobOutcome.completed()
