"""Training metrics from job logs, the way SageMaker fills `FinalMetricDataList`.

Built-in algorithm stand-ins print `#metric name=value`; script-mode jobs declare regexes in
`AlgorithmSpecification.MetricDefinitions` whose first group is the value. SageMaker keeps the last
value a metric reported as its final value.
See https://docs.aws.amazon.com/sagemaker/latest/dg/training-metrics.html
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

_BUILTIN = re.compile(r"^#metric\s+(?P<name>[^=\s]+)\s*=\s*(?P<value>\S+)\s*$", re.MULTILINE)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def builtin_metrics(logs: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for match in _BUILTIN.finditer(logs):
        value = _number(match["value"])
        if value is not None:
            out[match["name"]] = value
    return out


def defined_metrics(logs: str, definitions: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for definition in definitions:
        pattern = re.compile(definition["Regex"])
        for match in pattern.finditer(logs):
            text = match.group(1) if pattern.groups else match.group(0)
            value = _number(text)
            if value is not None:
                out[definition["Name"]] = value
    return out


def final_metric_data(values: dict[str, float], when: dt.datetime) -> list[dict[str, Any]]:
    return [{"MetricName": k, "Value": v, "Timestamp": when} for k, v in sorted(values.items())]
