"""A batch transform job: the model's inference handlers applied to every input file.

The handlers run in a subprocess (`transform_worker`) so a crashing model only fails the job. The
model comes from CreateModel (held by the endpoint service): built-in images use their local
stand-in module, framework images the script named by `SAGEMAKER_PROGRAM` with its code from
`SAGEMAKER_SUBMIT_DIRECTORY` or from `code/` inside model.tar.gz.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from local_runtime import images
from local_runtime.contracts import images as image_contract
from local_runtime.errors import SageMakerError
from local_runtime.sagemaker import channels, container, transform_worker
from local_runtime.sagemaker.jobs import JobContext, JobOutcome
from ml_code.common.io import write_json

SPLIT_TYPES = {"None", "Line"}
STRATEGIES = {"SingleRecord", "MultiRecord"}


def validate(request: dict[str, Any]) -> None:
    """What runs locally, beyond the request shape."""
    if request["TransformInput"].get("SplitType", "None") not in SPLIT_TYPES:
        raise SageMakerError("ValidationException", f"SplitType must be one of {sorted(SPLIT_TYPES)} locally")
    if request.get("BatchStrategy", "MultiRecord") not in STRATEGIES:
        raise SageMakerError("ValidationException", f"BatchStrategy must be one of {sorted(STRATEGIES)}")
    if not 0 <= int(request.get("MaxPayloadInMB", 6)) <= 100:
        raise SageMakerError("ValidationException", "MaxPayloadInMB must be between 0 and 100")


def _handler_module(
    container_def: dict[str, Any], env: dict[str, str], model_dir: Path
) -> tuple[str, list[Path]]:
    """The handlers' module and the only folders it may import from: a built-in image's stand-in (the
    image itself), or for framework images SAGEMAKER_PROGRAM from code/ inside model.tar.gz, as the
    serving toolkit loads it (SAGEMAKER_SUBMIT_DIRECTORY is never read)."""
    image = images.resolve(container_def["Image"])
    if image.builtin_module:
        return image.builtin_module, [images.PROJECT_ROOT]
    program = env.get("SAGEMAKER_PROGRAM")
    if not program:
        raise channels.ChannelError("framework model needs the environment variable SAGEMAKER_PROGRAM")
    module = program.removesuffix(".py")
    if "/" in module:
        raise channels.ChannelError(f"SAGEMAKER_PROGRAM {program!r} must be a module name, not a path")
    code = model_dir / "code"
    refused = image_contract.check_code(container_def["Image"], module, [code])
    if refused:
        shown = "; ".join(map(str, refused[:10]))
        raise channels.ChannelError(f"{container.MISMATCH} {shown}")
    return module, [code]


def run_transform(ctx: JobContext, model: dict[str, Any]) -> JobOutcome:
    # A transform job reads and writes S3 as its model's execution role.
    ctx = replace(ctx, s3=ctx.s3.as_role(model.get("ExecutionRoleArn")))
    request, root = ctx.request, ctx.root
    container_def = model.get("PrimaryContainer") or (model.get("Containers") or [{}])[0]
    if container_def.get("ModelDataUrl"):
        channels.fetch_archive(ctx.s3, container_def["ModelDataUrl"], root / "model")
    (root / "model").mkdir(parents=True, exist_ok=True)
    raw_env = {**container_def.get("Environment", {}), **request.get("Environment", {})}
    module, code_paths = _handler_module(container_def, raw_env, root / "model")
    source = request["TransformInput"]["DataSource"]["S3DataSource"]
    input_dir, output_dir = root / "transform" / "input", root / "transform" / "output"
    channels.download(ctx.s3, source["S3Uri"], source.get("S3DataType", "S3Prefix"), input_dir)
    output = request["TransformOutput"]
    config = root / "transform" / "config.json"
    write_json(
        config,
        {
            "module": module,
            "model_dir": str(root / "model"),
            "input_dir": str(input_dir),
            "output_dir": str(output_dir),
            "content_type": request["TransformInput"].get("ContentType", "application/octet-stream"),
            "accept": output.get("Accept", ""),
            "split_type": request["TransformInput"].get("SplitType", "None"),
            "batch_strategy": request.get("BatchStrategy", "MultiRecord"),
            "max_payload_bytes": int(request.get("MaxPayloadInMB", 6)) * 1024 * 1024,
            "assemble_with": output.get("AssembleWith", "None"),
        },
    )
    # The worker runs by path with -P (its own folder not on sys.path): the handlers import only
    # from `code_paths`, as in the container, not from this checkout.
    env = container.job_environment(root, container.rewrite_all(raw_env, root), code_paths)
    command = [sys.executable, "-P", str(Path(transform_worker.__file__)), str(config)]
    result = ctx.run(command, env=env, cwd=root)
    if result.failure_reason:
        return JobOutcome.failed(result.failure_reason, stopped=result.timed_out)
    channels.upload(ctx.s3, output_dir, output["S3OutputPath"].rstrip("/"), output.get("KmsKeyId"))
    return JobOutcome.completed()
