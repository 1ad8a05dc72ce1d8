"""Run a synthesized definition in moto's ASL interpreter with every Task replaced by a canned
result, so the Choice/Pass/Fail logic (gate, rollback detection, failure path) runs for real.

A stubbed Task becomes a Pass that puts the given (already ResultSelector-shaped) result at the
Task's ResultPath, or, for an `Error`, routes to the Task's matching Catch exactly as Step Functions
would. Waits become 0 s.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws


@dataclass(frozen=True)
class Error:
    name: str
    cause: str


def stub(definition: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(definition)
    for name, state in d["States"].items():
        if state["Type"] == "Wait":
            state.pop("Seconds", None)
            state["Seconds"] = 0
        if state["Type"] != "Task":
            continue
        result = results.get(name, {})
        if isinstance(result, Error):
            catcher = next(
                c
                for c in state["Catch"]
                if result.name in c["ErrorEquals"] or c["ErrorEquals"] == ["States.ALL"]
            )
            target = {"Next": catcher["Next"], "ResultPath": catcher.get("ResultPath", "$")}
            result = {"Error": result.name, "Cause": result.cause}
        else:
            target = {k: state[k] for k in ("Next", "End", "ResultPath") if k in state}
        d["States"][name] = {"Type": "Pass", "Result": result, **target}
    return d


def execute(definition: dict[str, Any], start_input: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run to the end; returns status, error, cause and the names of the states entered, in order."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(
            name="stubbed", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        run = client.start_execution(stateMachineArn=arn, name="run1", input=json.dumps(start_input or {}))
        for _ in range(200):
            described = client.describe_execution(executionArn=run["executionArn"])
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
        events = client.get_execution_history(executionArn=run["executionArn"])["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    return {
        "status": described["status"],
        "error": described.get("error"),
        "cause": described.get("cause"),
        "entered": entered,
        "output": json.loads(described["output"]) if described.get("output") else None,
    }
