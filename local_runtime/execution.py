"""Runs a Step Functions definition offline: moto interprets the ASL, local services do the work.

The state machine is the very definition `cdk deploy` would create (with its tokens resolved);
moto's Standard-workflow interpreter runs it while `moto_adapter` sends SageMaker and `aws-sdk`
S3 tasks to the local SageMaker and LocalS3, and `sns:publish` to moto's SNS, whose messages are
returned as `notifications`. All AWS identifiers use the fixed local account, `cfn.LOCAL_ACCOUNT`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from local_runtime.contracts import integrations
from local_runtime.contracts.calls import CallGuard
from local_runtime.errors import ContractViolation
from local_runtime.execution_sns import create_topics, notifications
from local_runtime.moto_adapter import check_moto_version, routed_to
from local_runtime.reaper import this_process
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker
from local_runtime.sagemaker.progress import Progress, ProgressEvent, report
from local_runtime.sagemaker.shapes import LOCAL_ACCOUNT
from local_runtime.sfn_services import LocalServices, to_state_json
from ml_code.common.io import write_json

INTERRUPTED_ERROR = "Interrupted"
INTERRUPTED_CAUSE = "stopped by the user (Ctrl-C): running jobs were stopped, no further state ran"
TIMEOUT_ERROR = "Local.Timeout"  # an execution stopped by run_state_machine's timeout_seconds


class DefinitionRejected(ContractViolation):
    """The definition uses fields Step Functions would refuse at CreateStateMachine."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "CreateStateMachine would fail with SCHEMA_VALIDATION_FAILED (so would `cdk deploy`)", problems
        )


@dataclass(frozen=True)
class ExecutionResult:
    status: str  # SUCCEEDED, FAILED, TIMED_OUT or ABORTED, as DescribeExecution reports it
    error: str | None
    cause: str | None
    output: Any
    execution_arn: str
    events: list[dict[str, Any]]  # GetExecutionHistory's events, timestamps as ISO-8601 strings
    notifications: list[dict[str, Any]] = field(default_factory=list)  # SNS messages published


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return [to_state_json(event, epoch_millis=False) for page in pages for event in page["events"]]


def _report_event(progress: Progress | None, event: dict[str, Any], state: str) -> str:
    kind = event["type"]
    for suffix, phase, key in (("StateEntered", "entered", "stateEnteredEventDetails"),
                               ("StateExited", "exited", "stateExitedEventDetails")):  # fmt: skip
        if kind.endswith(suffix):
            state = event[key]["name"]
            report(progress, ProgressEvent("State", state, phase))
    if kind == "TaskFailed":  # caught or not: the CLI shows the error under the state that raised it
        report(
            progress,
            ProgressEvent("State", state, "failed", event["taskFailedEventDetails"].get("error", "")),
        )
    return state


@contextlib.contextmanager
def _quiet_interpreter() -> Iterator[None]:
    """moto logs every error a state raises at ERROR level with its whole parse tree, caught or not;
    the same error is in the history (TaskFailed) and in the progress events, so keep it out of the
    user's console for the run (`local_runtime` debugging can lower the level again)."""
    logger = logging.getLogger("moto.stepfunctions.parser")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def run_state_machine(
    definition: dict[str, Any] | str,
    input: dict[str, Any],
    *,
    workdir: Path,
    sagemaker: LocalSageMaker,
    s3: LocalS3,
    progress: Progress | None = None,
    name: str | None = None,
    poll_seconds: float = 0.25,
    timeout_seconds: float | None = None,
    guard: CallGuard | None = None,
) -> ExecutionResult:
    """Create the state machine in moto, run one execution to its end, and return its history.

    The result is also written to `<workdir>/executions/<name>.json` for later inspection.
    """
    check_moto_version()
    from moto import mock_aws  # imported late: moto is only needed when a state machine runs

    text = definition if isinstance(definition, str) else json.dumps(definition)
    rejected = integrations.check_definition(json.loads(text))
    if rejected:  # what CreateStateMachine (and so `cdk deploy`) would refuse
        raise DefinitionRejected(rejected)
    name = name or f"local-{uuid.uuid4().hex[:12]}"
    region = sagemaker.region
    env = {"MOTO_ACCOUNT_ID": LOCAL_ACCOUNT, "AWS_DEFAULT_REGION": region}
    config: Any = {"stepfunctions": {"execute_state_machine": True}}
    services = LocalServices(sagemaker, s3, guard or CallGuard())
    with mock.patch.dict(os.environ, env), mock_aws(config=config), routed_to(services), _quiet_interpreter():
        import boto3

        create_topics(boto3.client("sns", region_name=region), json.loads(text), region)
        sfn = boto3.client("stepfunctions", region_name=region)
        role = f"arn:aws:iam::{LOCAL_ACCOUNT}:role/local-runtime"
        machine = sfn.create_state_machine(
            name=f"machine-{uuid.uuid4().hex[:12]}", definition=text, roleArn=role
        )
        arn = sfn.start_execution(
            stateMachineArn=machine["stateMachineArn"], name=name, input=json.dumps(input)
        )["executionArn"]
        report(progress, ProgressEvent("Execution", name, "started"))
        running = ExecutionResult("RUNNING", None, None, None, arn, [])
        write_json(workdir / "executions" / f"{name}.json", {**asdict(running), "process": this_process()})
        seen, state, start = 0, "", time.monotonic()
        stopped: tuple[str, str] | None = None  # why this run stopped the execution: (error, cause)
        while True:
            try:
                described = sfn.describe_execution(executionArn=arn)
                events = _history(sfn, arn)
                for event in events[seen:]:
                    state = _report_event(progress, event, state)
                seen = len(events)
                if described["status"] != "RUNNING":
                    break
                if timeout_seconds is not None and time.monotonic() - start > timeout_seconds and not stopped:
                    stopped = (TIMEOUT_ERROR, f"ran over {timeout_seconds} s")
                    sfn.stop_execution(executionArn=arn, error=stopped[0], cause=stopped[1])
                time.sleep(poll_seconds)
            except KeyboardInterrupt:  # Ctrl-C: stop the execution as StopExecution does
                if stopped is not None and stopped[0] == INTERRUPTED_ERROR:
                    raise  # a second Ctrl-C while stopping: give up waiting
                stopped = (INTERRUPTED_ERROR, INTERRUPTED_CAUSE)
                report(progress, ProgressEvent("Execution", name, "stopping", INTERRUPTED_CAUSE))
                sfn.stop_execution(executionArn=arn, error=stopped[0], cause=stopped[1])
                sagemaker.jobs.stop_all()
        output = json.loads(described["output"]) if described.get("output") else None
        result = ExecutionResult(
            status=described["status"],
            # moto does not keep StopExecution's error and cause: record why this run stopped it.
            error=described.get("error") or (stopped[0] if stopped else None),
            cause=described.get("cause") or (stopped[1] if stopped else None),
            output=output,
            execution_arn=arn,
            events=_history(sfn, arn),
            notifications=notifications(region),
        )
    phase = {"SUCCEEDED": "completed", "ABORTED": "aborted"}.get(result.status, "failed")
    report(progress, ProgressEvent("Execution", name, phase, result.error or "", time.monotonic() - start))
    write_json(workdir / "executions" / f"{name}.json", asdict(result))
    return result
