"""The endpoint's alarms. SageMaker's blue/green update watches them (AutoRollbackConfiguration) and
rolls the canary back when one fires; they also notify the pipeline topic.
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks import naming
from stacks.case_study import CaseStudy
from stacks.config import StageConfig
from stacks.workflow.endpoint_config import VARIANT


class EndpointAlarms(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: StageConfig, case: CaseStudy, topic: sns.ITopic
    ) -> None:
        super().__init__(scope, construct_id)
        dimensions = {"EndpointName": naming.endpoint_name(stage, case), "VariantName": VARIANT}
        spec = case.endpoint
        errors = cw.Alarm(
            self,
            "Invocation5XX",
            alarm_name=naming.alarm_name(stage, case, "5xx"),
            alarm_description="Model container returned 5XX errors",
            metric=cw.Metric(
                namespace="AWS/SageMaker",
                metric_name="Invocation5XXErrors",
                dimensions_map=dimensions,
                statistic="Sum",
                period=Duration.minutes(1),
            ),
            threshold=spec.max_5xx_per_minute,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        latency = cw.Alarm(
            self,
            "ModelLatency",
            alarm_name=naming.alarm_name(stage, case, "latency"),
            alarm_description=f"Average model latency above {spec.max_model_latency_ms} ms",
            # ModelLatency is reported in microseconds.
            metric=cw.Metric(
                namespace="AWS/SageMaker",
                metric_name="ModelLatency",
                dimensions_map=dimensions,
                statistic="Average",
                period=Duration.minutes(1),
            ),
            threshold=spec.max_model_latency_ms * 1000,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        self.alarms = [errors, latency]
        # Literal names, not tokens: UpdateEndpoint's AutoRollbackConfiguration refers to them by name.
        self.alarm_names = [naming.alarm_name(stage, case, w) for w in ("5xx", "latency")]
        for alarm in self.alarms:
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
