"""A training job: channels in, the algorithm or the user's script run, model.tar.gz out.

Built-in algorithm images run their local stand-in as `python -m <module> train`. Framework images
(PyTorch, scikit-learn) run in script mode like the SageMaker training toolkit: the code in
`sagemaker_submit_directory` is extracted to `/opt/ml/code` and `sagemaker_program` runs with the
other hyperparameters as `--name value` arguments.
See https://github.com/aws/sagemaker-training-toolkit/blob/master/ENVIRONMENT_VARIABLES.md
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from local_runtime import images
from local_runtime.contracts import images as image_contract
from local_runtime.errors import SageMakerError
from local_runtime.sagemaker import channels, container, metrics
from local_runtime.sagemaker.jobs import JobContext, JobOutcome
from ml_code.common.sm_env import JobFolder


def validate(request: dict[str, Any]) -> None:
    """What CreateTrainingJob checks beyond its request shape (also applied to a tuning job's
    TrainingJobDefinition): metric definitions must be regular expressions."""
    for definition in request["AlgorithmSpecification"].get("MetricDefinitions", []):
        try:
            re.compile(definition["Regex"])
        except (KeyError, re.error) as exc:
            raise SageMakerError("ValidationException", f"MetricDefinitions {definition!r}: {exc}") from None


def _decode(value: str) -> Any:
    """The SageMaker Python SDK JSON-encodes script-mode hyperparameters; built-ins send plain strings."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_arg(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _write_config(job: JobFolder, request: dict[str, Any]) -> None:
    channels_config = {
        ch["ChannelName"]: {
            "ContentType": ch.get("ContentType", ""),
            "TrainingInputMode": ch.get("InputMode", "File"),
            "S3DistributionType": ch["DataSource"]["S3DataSource"].get("S3DataDistributionType"),
            "RecordWrapperType": ch.get("RecordWrapperType", "None"),
        }
        for ch in request.get("InputDataConfig", [])
    }
    job.write_training_config(request["HyperParameters"], channels_config)
    for folder in (job.model, job.output_data):  # SageMaker creates both before the algorithm runs
        folder.mkdir(parents=True, exist_ok=True)


def _script_mode(ctx: JobContext, root: Path, hps: dict[str, str]) -> tuple[list[str], dict[str, str], Path]:
    submit, program = hps.get("sagemaker_submit_directory"), hps.get("sagemaker_program")
    if not submit or not program:
        raise channels.ChannelError(
            "script mode needs hyperparameters sagemaker_submit_directory and sagemaker_program"
        )
    job = JobFolder(root)
    code = root / "code"
    channels.fetch_archive(ctx.s3, str(_decode(submit)), code)
    user = {k: _decode(v) for k, v in hps.items() if not k.startswith("sagemaker_")}
    args = [item for k, v in sorted(user.items()) for item in (f"--{k}", _as_arg(v))]
    names = [ch["ChannelName"] for ch in ctx.request.get("InputDataConfig", [])]
    env = {
        "SM_MODEL_DIR": str(job.model),
        "SM_OUTPUT_DATA_DIR": str(job.output_data),
        "SM_OUTPUT_DIR": str(job.output),
        "SM_INPUT_DIR": str(job.config.parent),
        "SM_MODULE_DIR": str(_decode(submit)),
        "SM_USER_ENTRY_POINT": str(_decode(program)),
        "SM_CHANNELS": json.dumps(sorted(names)),
        "SM_HPS": json.dumps(user),
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        "SM_NUM_GPUS": "0",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_CURRENT_HOST": "algo-1",
        **{f"SM_CHANNEL_{n.upper()}": str(job.channel(n)) for n in names},
    }
    return [sys.executable, str(_decode(program)), *args], env, code


def run_training(ctx: JobContext) -> JobOutcome:
    request, root = ctx.request, ctx.root
    job = JobFolder(root)
    hps = {k: str(v) for k, v in request.get("HyperParameters", {}).items()}
    request = {**request, "HyperParameters": hps}
    _write_config(job, request)
    algorithm = request["AlgorithmSpecification"]
    image = images.resolve(algorithm["TrainingImage"])
    for channel in request.get("InputDataConfig", []):
        source = channel["DataSource"]["S3DataSource"]
        dest = job.channel(channel["ChannelName"])
        channels.download(ctx.s3, source["S3Uri"], source.get("S3DataType", "S3Prefix"), dest)
    extra = container.rewrite_all(request.get("Environment"), root)
    sm_env: dict[str, str] = {}
    if image.builtin_module:
        command, cwd, paths = (
            [sys.executable, "-m", image.builtin_module, "train"],
            root,
            [container.PROJECT_ROOT],
        )
    else:
        command, sm_env, cwd = _script_mode(ctx, root, hps)
        paths = [cwd]
        refused = image_contract.check_code(algorithm["TrainingImage"], command[1], [cwd], script=True)
        if refused:  # the training container's python could not run this code
            shown = "; ".join(map(str, refused[:10]))
            return JobOutcome.failed(f"ClientError: {container.MISMATCH} {shown}"[:1024])
    env = container.job_environment(root, {**extra, **sm_env}, paths)
    result = ctx.run(command, env=env, cwd=cwd)
    values = metrics.builtin_metrics(result.logs) if image.builtin_module else {}
    values.update(metrics.defined_metrics(result.logs, algorithm.get("MetricDefinitions", [])))
    if result.failure_reason:
        return JobOutcome.failed(result.failure_reason, stopped=result.timed_out, metrics=values)
    output = request["OutputDataConfig"]["S3OutputPath"].rstrip("/") + f"/{ctx.name}/output"
    kms_key = request["OutputDataConfig"].get("KmsKeyId")
    artifacts = ["model"] + (["output"] if any(job.output_data.iterdir()) else [])
    for artifact in artifacts:
        ctx.s3.authorize_write(f"{output}/{artifact}.tar.gz", kms_key=kms_key)
    channels.tar_directory(job.model, ctx.s3.path(f"{output}/model.tar.gz"))
    if "output" in artifacts:
        channels.tar_directory(job.output_data, ctx.s3.path(f"{output}/output.tar.gz"))
    return JobOutcome.completed(metrics=values, ModelArtifacts={"S3ModelArtifacts": f"{output}/model.tar.gz"})
