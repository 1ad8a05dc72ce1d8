"""The one failure path: every Catch lands here with `$.failure` = {Error, Cause}; the reason goes to
SNS and the execution ends failed with the same error and cause (visible in the console and in
DescribeExecution, so `QualityGateFailed` / `RolledBack` are machine-readable).

A Fail state may not raise an error named `States.*` (reserved names), so caught `States.TaskFailed`,
`States.Timeout`, ... end as `StepFailed` with the original name leading the cause."""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.workflow.context import FAILURE

STEP_FAILED = "StepFailed"


def failure_path(scope: Construct, *, topic: sns.ITopic, case_id: str) -> sfn.IChainable:
    fail = sfn.Fail(scope, "PipelineFailed", error_path=f"{FAILURE}.Error", cause_path=f"{FAILURE}.Cause")
    rename = sfn.Pass(
        scope,
        "NameStepFailure",
        parameters={
            "Error": STEP_FAILED,
            "Cause.$": f"States.Format('{{}}: {{}}', {FAILURE}.Error, {FAILURE}.Cause)",
        },
        result_path=FAILURE,
    ).next(fail)
    reserved = sfn.Condition.string_matches(f"{FAILURE}.Error", "States.*")
    end = sfn.Choice(scope, "ReservedErrorName").when(reserved, rename).otherwise(fail)
    notify = tasks.SnsPublish(
        scope,
        "NotifyFailure",
        topic=topic,
        subject=f"{case_id} pipeline failed",
        message=sfn.TaskInput.from_object(
            {
                "case_study": case_id,
                "execution": sfn.JsonPath.execution_id,
                "error": sfn.JsonPath.string_at(f"{FAILURE}.Error"),
                "cause": sfn.JsonPath.string_at(f"{FAILURE}.Cause"),
            }
        ),
        result_path=sfn.JsonPath.DISCARD,
    )
    notify.add_retry(errors=["SNS.SnsException", "SNS.ThrottledException"], backoff_rate=2, max_attempts=3)
    # If even the notification fails, still end with the original error (not the SNS one).
    notify.add_catch(end, errors=["States.ALL"], result_path="$.notify_error")
    return notify.next(end)
