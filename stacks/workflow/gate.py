"""The quality gate: read the candidate's metric, compare it with the threshold, with its baseline's
bar (when the case names a baseline) and with the model currently deployed (the deployment record in
S3), and fail as `QualityGateFailed` with the figures in the cause when the candidate is not good
enough."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks import naming
from stacks.case_parts import Direction, ProcessingStep
from stacks.workflow.context import FAILURE, RUN, WorkflowContext, failure_pass, step_path
from stacks.workflow.s3_json import read_json

GATE_FAILED = "QualityGateFailed"
METRIC = "$.gate.metric"  # {"name", "value", "threshold"}
DEPLOYED = "$.deployed.document"  # the deployment record, when one exists
BAR_DOCUMENT = "$.gate.evaluation.document.gate"  # evaluation.json's `gate` block


class QualityGate(sfn.StateMachineFragment):
    def __init__(self, scope: Construct, construct_id: str, *, ctx: WorkflowContext) -> None:
        super().__init__(scope, construct_id)
        gate = ctx.case.gate
        ctx = replace(ctx, scope=self)
        self.passed = sfn.Pass(self, "QualityGatePassed", result_path=sfn.JsonPath.DISCARD)
        start, last, value_path = _read_metric(ctx)
        figures: dict[str, Any] = {
            "name": gate.metric,
            "value": sfn.JsonPath.number_at(value_path),
            "threshold": gate.threshold,
        }
        if gate.baseline:  # the bar the evaluation step wrote (ml_code/common/gate.py)
            figures.update(
                baseline=gate.baseline,
                margin=gate.margin,
                baseline_value=sfn.JsonPath.number_at(f"{BAR_DOCUMENT}.baseline_value"),
                bar=sfn.JsonPath.number_at(f"{BAR_DOCUMENT}.bar"),
            )
        pick = sfn.Pass(self, "PickMetric", parameters=figures, result_path=METRIC)
        missing = failure_pass(
            self,
            "MetricMissing",
            GATE_FAILED,
            f"metric {gate.metric}{' or its baseline bar' if gate.baseline else ''} was not reported by "
            f"{gate.step} in {{}}",
            f"{RUN}.execution",
        )
        # every cause names the candidate, the threshold and (when the gate has one) the baseline
        context, context_paths = ("", ()) if not gate.baseline else (
            f"; baseline {gate.baseline} {{}}, bar {{}}", (f"{METRIC}.baseline_value", f"{METRIC}.bar")
        )  # fmt: skip
        below = failure_pass(
            self,
            "BelowThreshold",
            GATE_FAILED,
            f"{gate.metric} {{}} does not meet the threshold {{}}{context}",
            f"{METRIC}.value",
            f"{METRIC}.threshold",
            *context_paths,
        )
        worse = failure_pass(
            self,
            "WorseThanDeployed",
            GATE_FAILED,
            f"{gate.metric} {{}} is worse than the deployed model ({{}}); threshold {{}}{context}",
            f"{METRIC}.value",
            f"{DEPLOYED}.metric.value",
            f"{METRIC}.threshold",
            *context_paths,
        )
        failures = [missing, below, worse]
        read_deployed = read_json(
            ctx,
            "ReadDeploymentRecord",
            key=naming.deployment_record_key(ctx.case),
            key_path=None,
            result_path="$.deployed",
        )
        read_deployed.add_catch(self.passed, errors=["S3.NoSuchKeyException"], result_path="$.deployed")
        read_deployed.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
        better = _better(gate.direction)
        compare = (
            sfn.Choice(self, "BetterThanDeployed")
            .when(sfn.Condition.is_not_present(f"{DEPLOYED}.metric.value"), self.passed)
            # A record of another metric (the gate was reconfigured) cannot be compared with.
            .when(
                sfn.Condition.not_(sfn.Condition.string_equals(f"{DEPLOYED}.metric.name", gate.metric)),
                self.passed,
            )
            .when(better[1](f"{METRIC}.value", f"{DEPLOYED}.metric.value"), self.passed)
            .otherwise(worse)
        )
        after_threshold: sfn.IChainable = read_deployed.next(compare)
        if gate.baseline:
            weak = failure_pass(
                self,
                "NotBetterThanBaseline",
                GATE_FAILED,
                f"{gate.metric} {{}} does not beat the baseline {gate.baseline} ({{}}) by {gate.margin:g}: "
                f"the bar is {{}}; threshold {{}}",
                f"{METRIC}.value",
                f"{METRIC}.baseline_value",
                f"{METRIC}.bar",
                f"{METRIC}.threshold",
            )
            failures.append(weak)
            after_threshold = (
                sfn.Choice(self, "BeatsBaseline")
                .when(better[1](f"{METRIC}.value", f"{METRIC}.bar"), after_threshold)
                .otherwise(weak)
            )
        for fail in failures:
            fail.next(ctx.on_failure)
        threshold = (
            sfn.Choice(self, "MeetsThreshold")
            .when(better[0](f"{METRIC}.value", gate.threshold), after_threshold)
            .otherwise(below)
        )
        reported = (
            sfn.Choice(self, "MetricReported")
            .when(_reported(value_path, baseline=bool(gate.baseline)), pick.next(threshold))
            .otherwise(missing)
        )
        self._start: sfn.State = start
        last.next(reported)
        self._ends: list[sfn.INextable] = [self.passed]

    @property
    def start_state(self) -> sfn.State:
        return self._start

    @property
    def end_states(self) -> list[sfn.INextable]:
        return self._ends


def _read_metric(ctx: WorkflowContext) -> tuple[sfn.State, sfn.Pass | tasks.CallAwsService, str]:
    """The first and last states that read the metric, and the path its value ends up at."""
    gate = ctx.case.gate
    if isinstance(ctx.case.step(gate.step), ProcessingStep):
        document = f"{gate.step}/evaluation/evaluation.json"
        read = read_json(
            ctx,
            "ReadEvaluation",
            key=f"{naming.runs_prefix(ctx.case)}*/{document}",
            key_path=f"States.Format('{naming.runs_prefix(ctx.case)}{{}}/{document}', {RUN}.execution)",
            result_path="$.gate.evaluation",
        )
        read.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
        return read, read, member("$.gate.evaluation.document.metrics", gate.metric)
    # A JSONPath filter that matches nothing is a States.Runtime error (uncatchable), so a non-numeric
    # fallback entry follows the job's metrics: the first match is the reported value, if any.
    gather = sfn.Pass(
        ctx.scope,
        "ReadMetric",
        parameters={
            "reported.$": step_path(gate.step, "training"),
            "fallback": [{"MetricName": gate.metric, "Value": "not reported"}],
        },
        result_path="$.gate.lists",
    )
    find = sfn.Pass(
        ctx.scope,
        "FindMetric",
        parameters={"values.$": f"$.gate.lists..[?(@.MetricName == '{gate.metric}')].Value"},
        result_path="$.gate.reported",
    )
    gather.next(find)
    return gather, find, "$.gate.reported.values[0]"


def _reported(value_path: str, *, baseline: bool) -> sfn.Condition:
    """evaluation.json: the key is there (and the bar, with a baseline); training metrics: the first
    match is not the fallback."""
    if value_path.startswith("$.gate.reported"):
        return sfn.Condition.is_numeric(value_path)
    present = sfn.Condition.is_present(value_path)
    if baseline:
        return sfn.Condition.and_(present, sfn.Condition.is_numeric(f"{BAR_DOCUMENT}.bar"))
    return present


def member(path: str, key: str) -> str:
    """`path.key`, or `path['key']` when the key is not a plain identifier (e.g. `test:recall`)."""
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}['{key}']"


def _better(direction: Direction) -> tuple[Any, Any]:
    """(compare with a number, compare with another path): the candidate passes when this holds."""
    if direction is Direction.MAXIMIZE:
        return sfn.Condition.number_greater_than_equals, sfn.Condition.number_greater_than_equals_json_path
    return sfn.Condition.number_less_than_equals, sfn.Condition.number_less_than_equals_json_path
