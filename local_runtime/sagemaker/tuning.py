"""A hyperparameter tuning job: training jobs over a search space, the best one by the objective.

Training jobs run as ordinary local training jobs (so DescribeTrainingJob works on them, as the
pipeline needs for the best job's model), named `<tuning job>-NNN-<8 hex>` like SageMaker's, at
most `MaxParallelTrainingJobs` at a time. Failed trials do not fail the tuning job unless all fail.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeHyperParameterTuningJob.html
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local_runtime.errors import SageMakerError
from local_runtime.sagemaker import container, shapes, tuning_space
from local_runtime.sagemaker.jobs import JobContext, JobOutcome

# Runs one training job to the end and returns its DescribeTrainingJob answer.
TrainFn = Callable[[dict[str, Any]], dict[str, Any]]
BAYESIAN_NOTE = (
    "Bayesian strategy ran as Random search: no Bayesian optimisation library is installed locally"
)


def validate(request: dict[str, Any]) -> None:
    """What CreateHyperParameterTuningJob checks beyond its request shape, and what runs locally."""
    config = request["HyperParameterTuningJobConfig"]
    if not config.get("HyperParameterTuningJobObjective"):
        raise SageMakerError("ValidationException", "HyperParameterTuningJobObjective is required")
    if "TrainingJobDefinition" not in request:
        raise SageMakerError("ValidationException", "TrainingJobDefinition is required locally")
    tuning_space.validate(config["Strategy"], config.get("ParameterRanges", {}))


def trial_name(tuning: str, index: int, hyperparameters: dict[str, str]) -> str:
    digest = hashlib.sha1(repr(sorted(hyperparameters.items())).encode()).hexdigest()[:8]
    return f"{tuning}-{index:03d}-{digest}"


def _summary(describe: dict[str, Any], tuned: dict[str, str], objective: dict[str, Any]) -> dict[str, Any]:
    summary = {
        "TrainingJobName": describe["TrainingJobName"],
        "TrainingJobArn": describe["TrainingJobArn"],
        "CreationTime": describe["CreationTime"],
        "TrainingStartTime": describe.get("TrainingStartTime"),
        "TrainingEndTime": describe.get("TrainingEndTime"),
        "TrainingJobStatus": describe["TrainingJobStatus"],
        "TunedHyperParameters": tuned,
        "ObjectiveStatus": "Failed",
    }
    if describe.get("FailureReason"):
        summary["FailureReason"] = describe["FailureReason"]
    values = {m["MetricName"]: m["Value"] for m in describe.get("FinalMetricDataList", [])}
    if describe["TrainingJobStatus"] == "Completed" and objective["MetricName"] in values:
        summary["ObjectiveStatus"] = "Succeeded"
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "Type": objective["Type"],
            "MetricName": objective["MetricName"],
            "Value": values[objective["MetricName"]],
        }
    return summary


def run_tuning(ctx: JobContext, train: TrainFn) -> JobOutcome:
    request, name = ctx.request, ctx.name
    config, definition = request["HyperParameterTuningJobConfig"], request["TrainingJobDefinition"]
    objective, limits = config["HyperParameterTuningJobObjective"], config["ResourceLimits"]
    count = limits.get("MaxNumberOfTrainingJobs")
    seed = int(config.get("RandomSeed", int(hashlib.sha1(name.encode()).hexdigest()[:8], 16)))
    strategy = "Random" if config["Strategy"] == "Bayesian" else config["Strategy"]
    configs = tuning_space.configurations(
        strategy, config.get("ParameterRanges", {}), count and int(count), seed
    )

    def launch(item: tuple[int, dict[str, str]]) -> dict[str, Any]:
        index, tuned = item
        trial = {k: v for k, v in definition.items() if k not in {"StaticHyperParameters", "DefinitionName"}}
        trial["TrainingJobName"] = trial_name(name, index, tuned)
        trial["HyperParameters"] = {**definition.get("StaticHyperParameters", {}), **tuned}
        trial["TuningJobArn"] = shapes.arn("HyperParameterTuningJob", name, ctx.region)
        return _summary(train(trial), tuned, objective)

    workers = int(limits.get("MaxParallelTrainingJobs", 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"tuning-{name}") as pool:
        summaries = list(pool.map(launch, enumerate(configs, start=1)))
    scored = [s for s in summaries if s["ObjectiveStatus"] == "Succeeded"]
    statuses = [s["TrainingJobStatus"] for s in summaries]
    fields: dict[str, Any] = {
        "TrainingJobStatusCounters": {
            "Completed": statuses.count("Completed"),
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": statuses.count("Failed"),
            "Stopped": statuses.count("Stopped"),
        },
        "ObjectiveStatusCounters": {
            "Succeeded": len(scored),
            "Pending": 0,
            "Failed": len(summaries) - len(scored),
        },
        "LocalTrainingJobSummaries": summaries,
    }
    if config["Strategy"] == "Bayesian":
        fields["LocalNotes"] = [BAYESIAN_NOTE]
    if ctx.stop.is_set():  # the execution was stopped: so is the tuning job, whatever its trials did
        outcome = JobOutcome.failed(container.STOPPED, stopped=True)
        outcome.fields = fields
        return outcome
    if not scored:
        outcome = JobOutcome.failed(
            f"All training jobs failed or did not report the objective metric {objective['MetricName']!r}"
        )
        outcome.fields = fields
        return outcome
    sign = -1.0 if objective["Type"] == "Maximize" else 1.0
    best = min(scored, key=lambda s: sign * s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    return JobOutcome.completed(BestTrainingJob=best, **fields)
