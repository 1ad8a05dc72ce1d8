"""Alarm evaluation (known values), alarms read from a CloudFormation template, deployment plans."""

from __future__ import annotations

import pytest

from local_runtime.endpoints import AlarmSpec, alarms_from_template
from local_runtime.endpoints.alarms import Sample, is_alarming, statistic
from local_runtime.endpoints.policy import Step, plan_update
from local_runtime.errors import SageMakerError


def _samples(per_period: list[list[tuple[float, int]]], period: float = 1.0) -> list[Sample]:
    """Samples spread inside consecutive periods starting at t=0: (latency µs, status) each."""
    out = []
    for index, items in enumerate(per_period):
        for k, (latency, status) in enumerate(items):
            out.append(Sample(index * period + (k + 1) * period / (len(items) + 1), latency, status))
    return out


LATENCIES = [(float(us), 200) for us in range(1000, 101_000, 1000)]  # 1 ms .. 100 ms, 100 samples


@pytest.mark.parametrize(
    ("metric", "stat", "expected"),
    [
        ("ModelLatency", "Average", 50_500.0),
        ("ModelLatency", "Maximum", 100_000.0),
        ("ModelLatency", "p99", 99_000.0),
        ("ModelLatency", "p50", 50_000.0),
        ("ModelLatency", "SampleCount", 100.0),
        ("Invocation5XXErrors", "Sum", 0.0),
    ],
)
def test_statistics_over_one_period(metric: str, stat: str, expected: float) -> None:
    spec = AlarmSpec("a", metric, stat, 0, "GreaterThanThreshold")
    assert statistic(spec, _samples([LATENCIES])) == expected


def test_error_rate_and_missing_period() -> None:
    spec = AlarmSpec("a", "Invocation5XXErrors", "Average", 0.1, "GreaterThanThreshold")
    assert statistic(spec, _samples([[(1.0, 500), (1.0, 200), (1.0, 200), (1.0, 404)]])) == 0.25
    assert statistic(spec, []) is None


def test_m_out_of_n_counts_only_complete_periods() -> None:
    spec = AlarmSpec("errors", "Invocation5XXErrors", "Sum", 0, "GreaterThanThreshold", 60, 3, 2)
    bad, good = [(1.0, 500)], [(1.0, 200)]
    samples = _samples([bad, good, bad, bad], period=60)
    # a period counts once it is complete; its end belongs to it (a wait ends exactly there)
    assert not is_alarming(spec, samples, origin=0.0, now=59.9)  # no period complete yet
    assert not is_alarming(spec, samples, origin=0.0, now=120.0)  # [bad, good]: 1 of 3
    assert is_alarming(spec, samples, origin=0.0, now=180.0)  # [bad, good, bad]: 2 of 3
    assert not is_alarming(spec, samples[1:], origin=0.0, now=185.0)  # [-, good, bad]: 1 of 3


def test_missing_data_treatment() -> None:
    quiet = AlarmSpec(
        "q", "Invocation5XXErrors", "Sum", 0, "GreaterThanThreshold", 60, 2, treat_missing_data="breaching"
    )
    assert is_alarming(quiet, [], origin=0.0, now=120.0)  # no traffic at all counts as breaching
    default = AlarmSpec("d", "Invocation5XXErrors", "Sum", 0, "GreaterThanThreshold", 60, 2)
    assert not is_alarming(default, [], origin=0.0, now=120.0)


def test_alarm_spec_rejects_unknown_values() -> None:
    with pytest.raises(ValueError, match="metric 'CPUUtilization'"):
        AlarmSpec("a", "CPUUtilization", "Average", 1, "GreaterThanThreshold")
    with pytest.raises(ValueError, match="DatapointsToAlarm"):
        AlarmSpec("a", "ModelLatency", "p99", 1, "GreaterThanThreshold", 60, 2, 3)


TEMPLATE = {
    "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
    "Resources": {
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointName": "fraud-dev"}},
        "Errors": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "fraud", "5xx"]]},
                "Namespace": "AWS/SageMaker",
                "MetricName": "Invocation5XXErrors",
                "Statistic": "Sum",
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "Period": 60,
                "EvaluationPeriods": 2,
                "DatapointsToAlarm": 1,
                "TreatMissingData": "notBreaching",
                "Dimensions": [
                    {"Name": "EndpointName", "Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
            },
        },
        "Latency": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": {"Fn::Sub": "${Stage}-fraud-latency"},
                "Namespace": "AWS/SageMaker",
                "MetricName": "ModelLatency",
                "ExtendedStatistic": "p99",
                "Threshold": 200000,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Period": 300,
                "EvaluationPeriods": 1,
            },
        },
        "Unnamed": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": {"Fn::Sub": "${AWS::AccountId}-x"},
                "Namespace": "AWS/SageMaker",
                "MetricName": "Invocation4XXErrors",
                "Statistic": "Average",
                "Threshold": 0.5,
                "ComparisonOperator": "GreaterThanThreshold",
                "EvaluationPeriods": 1,
            },
        },
        "Cpu": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {"Namespace": "AWS/EC2", "MetricName": "CPU"},
        },
    },
}


def test_alarms_from_template_resolves_names_and_dimensions() -> None:
    alarms = alarms_from_template(TEMPLATE, stack_name="Studies")
    assert sorted(alarms) == ["000000000000-x", "Studies-fraud-5xx", "dev-fraud-latency"]
    errors = alarms["Studies-fraud-5xx"]
    assert (errors.metric_name, errors.statistic, errors.threshold) == ("Invocation5XXErrors", "Sum", 0.0)
    assert (errors.evaluation_periods, errors.required_datapoints, errors.treat_missing_data) == (
        2,
        1,
        "notBreaching",
    )
    assert errors.endpoint_name == "fraud-dev" and errors.watches("fraud-dev") and not errors.watches("moons")
    latency = alarms["dev-fraud-latency"]
    assert (latency.statistic, latency.period_seconds, latency.endpoint_name) == ("p99", 300, None)
    assert alarms["000000000000-x"].metric_name == "Invocation4XXErrors"  # named for the local account


def test_plans_follow_the_traffic_routing_type() -> None:
    canary = plan_update(
        {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 600,
                },
                "TerminationWaitInSeconds": 300,
                "MaximumExecutionTimeoutInSeconds": 1800,
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "a"}]},
        },
        new_instances=4,
        known_alarms={"a"},
    )
    assert canary.steps == (Step(0.25, 600), Step(1.0, 300))
    assert (canary.timeout_seconds, canary.alarm_names) == (1800.0, ("a",))
    assert plan_update(None, 1, set()).steps == (Step(1.0, 0), Step(1.0, 0))


def test_linear_routing_is_a_named_local_limit() -> None:
    linear = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 30},
                "WaitIntervalInSeconds": 60,
            }
        }
    }
    with pytest.raises(SageMakerError, match="do not run LINEAR traffic routing") as error:
        plan_update(linear, new_instances=2, known_alarms=set())
    assert error.value.code == "LocalUnsupported"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 3},
                }
            },
            "exceeds 50%",
        ),
        (
            {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE"}, "MaximumExecutionTimeoutInSeconds": 60},
            "between 600 and 28800",
        ),
        (
            {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 4000}},
            "between 0 and 3600",
        ),
        ({"TrafficRoutingConfiguration": {"Type": "ROLLING"}}, "ALL_AT_ONCE, CANARY or LINEAR"),
    ],
)
def test_invalid_policies_are_validation_errors(policy: dict, message: str) -> None:
    with pytest.raises(SageMakerError, match=message) as error:
        plan_update({"BlueGreenUpdatePolicy": policy}, new_instances=4, known_alarms=set())
    assert error.value.code == "ValidationException"
