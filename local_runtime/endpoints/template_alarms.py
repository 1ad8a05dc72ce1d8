"""Reads the endpoint alarms a synthesized CloudFormation template declares, so local deployments are
guarded by the same alarms as the real ones.

Names may be literals or intrinsics, resolved as `local_runtime.cfn` resolves any template token;
an alarm whose name cannot be resolved is keyed by its logical id
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html).
Metric-math alarms (`Metrics`) and metrics other than the SageMaker endpoint ones are skipped.
"""

from __future__ import annotations

from typing import Any

from local_runtime.cfn import Resolver, UnresolvableToken
from local_runtime.endpoints.alarms import METRICS, AlarmSpec


def alarms_from_template(template: dict[str, Any], *, stack_name: str = "stack") -> dict[str, AlarmSpec]:
    """`AWS::CloudWatch::Alarm` resources on SageMaker endpoint metrics, keyed by alarm name."""
    resources: dict[str, Any] = template.get("Resources", {})
    resolver = Resolver({stack_name: template})

    def text(value: Any) -> str | None:
        try:
            return str(resolver.resolve(stack_name, value))
        except UnresolvableToken:
            return None

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
                endpoint = text(dimension["Value"])  # None: watch whichever endpoint is being updated
        name = text(props["AlarmName"]) if "AlarmName" in props else None
        name = name or logical_id
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
