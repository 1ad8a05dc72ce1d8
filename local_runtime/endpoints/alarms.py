"""CloudWatch alarm evaluation over one fleet's endpoint metrics, as deployment guardrails watch them.

SageMaker publishes one value per invocation for `Invocation4XXErrors`/`Invocation5XXErrors` (0 or 1)
and `ModelLatency` (microseconds), so an alarm's statistic is computed over those samples per period
(https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html). An alarm fires when at
least `datapoints_to_alarm` of the last `evaluation_periods` complete periods breach ("M out of N",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation).
A period with no invocations has no datapoint: `treat_missing_data` decides what that means.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from local_runtime.endpoints.clock import completed_periods

METRICS = ("Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
STATISTICS = ("Sum", "Average", "Maximum", "Minimum", "SampleCount")
MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")


class Sample(NamedTuple):
    """One invocation as the fleet saw it: when it ended, how long the model took, the HTTP status."""

    time: float
    latency_us: float
    status: int


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    metric_name: str
    statistic: str  # Sum | Average | Maximum | Minimum | SampleCount | pNN (e.g. p99, p99.9)
    threshold: float
    comparison_operator: str
    period_seconds: int = 60
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None  # CloudWatch's default: equal to evaluation_periods
    treat_missing_data: str = "missing"
    endpoint_name: str | None = None  # the EndpointName dimension, when the alarm names one

    def __post_init__(self) -> None:
        problems = []
        if self.metric_name not in METRICS:
            problems.append(f"metric {self.metric_name!r} is not one of {METRICS}")
        if self.statistic not in STATISTICS and _percentile_of(self.statistic) is None:
            problems.append(f"statistic {self.statistic!r} is not one of {STATISTICS} or pNN")
        if self.comparison_operator not in COMPARISONS:
            problems.append(f"comparison {self.comparison_operator!r} is not one of {sorted(COMPARISONS)}")
        if self.treat_missing_data not in MISSING_DATA:
            problems.append(f"TreatMissingData {self.treat_missing_data!r} is not one of {MISSING_DATA}")
        if self.period_seconds <= 0 or self.evaluation_periods <= 0:
            problems.append("period and evaluation periods must be positive")
        if not 0 < self.required_datapoints <= self.evaluation_periods:
            problems.append("DatapointsToAlarm must be between 1 and EvaluationPeriods")
        if problems:
            raise ValueError(f"alarm {self.name!r}: " + "; ".join(problems))

    @property
    def required_datapoints(self) -> int:
        return self.evaluation_periods if self.datapoints_to_alarm is None else self.datapoints_to_alarm

    def watches(self, endpoint_name: str) -> bool:
        return self.endpoint_name is None or self.endpoint_name == endpoint_name


def _percentile_of(statistic: str) -> float | None:
    if not statistic.startswith("p"):
        return None
    try:
        value = float(statistic[1:])
    except ValueError:
        return None
    return value if 0 < value <= 100 else None


def _values(spec: AlarmSpec, samples: Sequence[Sample]) -> list[float]:
    if spec.metric_name == "ModelLatency":
        return [s.latency_us for s in samples]
    low = 500 if spec.metric_name == "Invocation5XXErrors" else 400
    return [1.0 if low <= s.status < low + 100 else 0.0 for s in samples]


def statistic(spec: AlarmSpec, samples: Sequence[Sample]) -> float | None:
    """The period's datapoint, or None when the period has no samples (a missing datapoint)."""
    values = _values(spec, samples)
    if not values:
        return None
    pct = _percentile_of(spec.statistic)
    if pct is not None:  # nearest-rank percentile
        ordered = sorted(values)
        return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]
    aggregates: dict[str, Callable[[list[float]], float]] = {
        "Sum": sum,
        "Average": lambda v: sum(v) / len(v),
        "Maximum": max,
        "Minimum": min,
        "SampleCount": len,
    }
    return aggregates[spec.statistic](values)


def is_alarming(spec: AlarmSpec, samples: Sequence[Sample], *, origin: float, now: float) -> bool:
    """Whether the alarm is in ALARM at `now` (clock seconds), evaluating the complete periods counted
    from `origin`."""
    period = spec.period_seconds
    complete = completed_periods(origin, now, period)
    if complete <= 0:
        return False
    first = max(0, complete - spec.evaluation_periods)
    buckets: list[list[Sample]] = [[] for _ in range(first, complete)]
    for sample in samples:
        index = completed_periods(origin, sample.time, period)
        if first <= index < complete:
            buckets[index - first].append(sample)
    compare = COMPARISONS[spec.comparison_operator]
    datapoints = [statistic(spec, bucket) for bucket in buckets]
    missing = spec.evaluation_periods - sum(d is not None for d in datapoints)
    breaching = sum(d is not None and compare(d, spec.threshold) for d in datapoints)
    if spec.treat_missing_data == "breaching":
        breaching += missing
    return breaching >= spec.required_datapoints
