"""Reads the endpoint alarms a synthesized CloudFormation template declares, so local deployments are
guarded by the same alarms as the real ones.

Names may be literals or intrinsics (`Fn::Join`, `Fn::Sub`, `Ref` to a parameter or pseudo parameter);
what cannot be resolved from `parameters` keeps the alarm keyed by its logical id, which is also what
`Ref` to the alarm resolves to locally
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html).
Metric-math alarms (`Metrics`) and metrics other than the SageMaker endpoint ones are skipped.
"""

from __future__ import annotations

import re
from typing import Any

from local_runtime.endpoints.alarms import METRICS, AlarmSpec

_SUB = re.compile(r"\$\{([^}!]+)\}")


class Unresolved(Exception):
    """An intrinsic whose value is only known at deploy time."""


def _resolve(value: Any, refs: dict[str, str], resources: dict[str, Any]) -> str:
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            if arg in refs:
                return refs[arg]
            resource = resources.get(arg, {})
            if resource.get("Type") == "AWS::CloudWatch::Alarm":
                return _alarm_name(arg, resource, refs, resources)
        elif fn == "Fn::Join":
            separator, parts = arg
            return separator.join(_resolve(part, refs, resources) for part in parts)
        elif fn == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else arg
            scope = {**refs, **{k: _resolve(v, refs, resources) for k, v in local.items()}}

            def substitute(match: re.Match[str]) -> str:
                if match.group(1) not in scope:
                    raise Unresolved(match.group(1))
                return scope[match.group(1)]

            return _SUB.sub(substitute, text)
        elif fn == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            properties = resources.get(logical_id, {}).get("Properties", {})
            if attribute in properties:
                return _resolve(properties[attribute], refs, resources)
    raise Unresolved(repr(value))


def _alarm_name(
    logical_id: str, resource: dict[str, Any], refs: dict[str, str], resources: dict[str, Any]
) -> str:
    name = resource.get("Properties", {}).get("AlarmName")
    if name is None:
        return logical_id
    try:
        return _resolve(name, refs, resources)
    except Unresolved:
        return logical_id


def alarms_from_template(
    template: dict[str, Any], *, parameters: dict[str, str] | None = None
) -> dict[str, AlarmSpec]:
    """`AWS::CloudWatch::Alarm` resources on SageMaker endpoint metrics, keyed by alarm name."""
    resources: dict[str, Any] = template.get("Resources", {})
    refs = {
        **{k: str(v.get("Default")) for k, v in template.get("Parameters", {}).items() if "Default" in v},
        **(parameters or {}),
    }
    alarms: dict[str, AlarmSpec] = {}
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource.get("Type") != "AWS::CloudWatch::Alarm" or props.get("MetricName") not in METRICS:
            continue
        if props.get("Namespace") != "AWS/SageMaker":
            continue
        endpoint = None
        for dimension in props.get("Dimensions", []):
            if dimension.get("Name") == "EndpointName":
                try:
                    endpoint = _resolve(dimension["Value"], refs, resources)
                except Unresolved:
                    endpoint = None  # cannot tell which endpoint: watch whichever is being updated
        name = _alarm_name(logical_id, resource, refs, resources)
        alarms[name] = AlarmSpec(
            name=name,
            metric_name=props["MetricName"],
            statistic=props.get("ExtendedStatistic") or props.get("Statistic", "Average"),
            threshold=float(props["Threshold"]),
            comparison_operator=props["ComparisonOperator"],
            period_seconds=int(props.get("Period", 60)),
            evaluation_periods=int(props["EvaluationPeriods"]),
            datapoints_to_alarm=int(props["DatapointsToAlarm"]) if "DatapointsToAlarm" in props else None,
            treat_missing_data=props.get("TreatMissingData", "missing"),
            endpoint_name=endpoint,
        )
    return alarms
