"""The tuning panel: every trial of the run's hyperparameter tuning jobs, the best one marked.

The local SageMaker keeps each tuning job's trial summaries (what ListTrainingJobsForHyperParameter
TuningJob answers: tuned hyperparameters, objective, status); a job without them falls back to its
training jobs, which name their tuning job in `TuningJobArn`.
"""

from __future__ import annotations

from typing import Any, Protocol

from local_runtime.report.model import Trial, Tuning


class Jobs(Protocol):
    """The local SageMaker's job registry (`LocalSageMaker.jobs`): Describe* answers by kind and name."""

    def names(self, kind: str) -> list[str]: ...

    def describe(self, kind: str, name: str) -> dict[str, Any]: ...


def described(jobs: Jobs, kind: str, since: float) -> list[dict[str, Any]]:
    """The jobs of `kind` created at or after `since` (epoch seconds): this execution's."""
    found = [jobs.describe(kind, name) for name in jobs.names(kind)]
    return [j for j in found if j["CreationTime"].timestamp() >= since]


def _from_training_jobs(jobs: Jobs, arn: str, since: float, metric: str) -> list[dict[str, Any]]:
    summaries = []
    for job in described(jobs, "TrainingJob", since):
        if job.get("TuningJobArn") != arn:
            continue
        values = {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}
        summaries.append(
            {
                "TrainingJobName": job["TrainingJobName"],
                "TrainingJobStatus": job.get("TrainingJobStatus", ""),
                "TunedHyperParameters": job.get("HyperParameters", {}),
                "FailureReason": job.get("FailureReason"),
            }
            | (
                {"FinalHyperParameterTuningJobObjectiveMetric": {"Value": values[metric]}}
                if metric in values
                else {}
            )
        )
    return summaries


def tunings(jobs: Jobs, since: float) -> list[Tuning]:
    out = []
    for job in described(jobs, "HyperParameterTuningJob", since):
        objective = job.get("HyperParameterTuningJobConfig", {}).get("HyperParameterTuningJobObjective", {})
        metric = str(objective.get("MetricName", ""))
        summaries = job.get("LocalTrainingJobSummaries") or _from_training_jobs(
            jobs, job.get("HyperParameterTuningJobArn", ""), since, metric
        )
        best = (job.get("BestTrainingJob") or {}).get("TrainingJobName")
        trials = [
            Trial(
                name=s["TrainingJobName"],
                hyperparameters={k: str(v) for k, v in (s.get("TunedHyperParameters") or {}).items()},
                objective=(s.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value"),
                status=str(s.get("TrainingJobStatus", "")),
                best=s["TrainingJobName"] == best,
                failure=s.get("FailureReason"),
            )
            for s in summaries
        ]
        out.append(
            Tuning(
                job["HyperParameterTuningJobName"],
                metric,
                str(objective.get("Type", "")),
                sorted(trials, key=lambda t: t.name),
            )
        )
    return out
