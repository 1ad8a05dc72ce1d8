"""A batch transform job: the model's inference handlers applied to every input file.

The handlers run in a subprocess (`transform_worker`) so a crashing model only fails the job. The
model comes from CreateModel (held by the endpoint service): built-in images use their local
stand-in module, framework images the script named by `SAGEMAKER_PROGRAM` with its code from
`SAGEMAKER_SUBMIT_DIRECTORY` or from `code/` inside model.tar.gz.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from local_runtime import images
from local_runtime.errors import SageMakerError
from local_runtime.sagemaker import channels, container, shapes
from local_runtime.sagemaker.jobs import JobContext, JobOutcome
from ml_code.common.io import write_json

SPLIT_TYPES = {"None", "Line"}
STRATEGIES = {"SingleRecord", "MultiRecord"}


def validate(request: dict[str, Any]) -> None:
    shapes.require(
        request, "TransformJobName", "ModelName", "TransformInput", "TransformOutput", "TransformResources"
    )
    shapes.check_name("TransformJob", request["TransformJobName"])
    source = request["TransformInput"].get("DataSource", {}).get("S3DataSource", {})
    shapes.s3_uri(source.get("S3Uri"), "TransformInput.DataSource.S3DataSource.S3Uri")
    shapes.s3_uri(request["TransformOutput"].get("S3OutputPath"), "TransformOutput.S3OutputPath")
    if request["TransformInput"].get("SplitType", "None") not in SPLIT_TYPES:
        raise SageMakerError("ValidationException", f"SplitType must be one of {sorted(SPLIT_TYPES)} locally")
    if request.get("BatchStrategy", "MultiRecord") not in STRATEGIES:
        raise SageMakerError("ValidationException", f"BatchStrategy must be one of {sorted(STRATEGIES)}")
    if not 0 <= int(request.get("MaxPayloadInMB", 6)) <= 100:
        raise SageMakerError("ValidationException", "MaxPayloadInMB must be between 0 and 100")


def _module_of(program: str) -> str:
    """`inference.py` or `ml_code/moon_classification/inference.py` -> an importable module name."""
    return program.removesuffix(".py").strip("/").replace("/", ".")


def _handler_module(
    ctx: JobContext, container_def: dict[str, Any], env: dict[str, str]
) -> tuple[str, list[Path]]:
    image = images.resolve(container_def["Image"])
    if image.builtin_module:
        return image.builtin_module, []
    program = env.get("SAGEMAKER_PROGRAM")
    if not program:
        raise channels.ChannelError("framework model needs the environment variable SAGEMAKER_PROGRAM")
    submit = env.get("SAGEMAKER_SUBMIT_DIRECTORY", "")
    code = ctx.root / "code"
    if submit.startswith("s3://"):
        channels.fetch_archive(ctx.s3, submit, code)
    else:  # the PyTorch serving container's convention: code/ inside model.tar.gz
        code = ctx.root / "model" / "code"
    return _module_of(program), [code]


def run_transform(ctx: JobContext, model: dict[str, Any]) -> JobOutcome:
    request, root = ctx.request, ctx.root
    container_def = model.get("PrimaryContainer") or (model.get("Containers") or [{}])[0]
    if container_def.get("ModelDataUrl"):
        channels.fetch_archive(ctx.s3, container_def["ModelDataUrl"], root / "model")
    (root / "model").mkdir(parents=True, exist_ok=True)
    raw_env = {**container_def.get("Environment", {}), **request.get("Environment", {})}
    module, code_paths = _handler_module(ctx, container_def, raw_env)
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
    env = container.job_environment(
        root, container.rewrite_all(raw_env, root), [*code_paths, container.PROJECT_ROOT]
    )
    command = [sys.executable, "-m", "local_runtime.sagemaker.transform_worker", str(config)]
    result = ctx.run(command, env=env, cwd=root)
    if result.failure_reason:
        return JobOutcome.failed(result.failure_reason, stopped=result.timed_out)
    channels.upload(ctx.s3, output_dir, output["S3OutputPath"].rstrip("/"))
    return JobOutcome.completed()
