"""Every synthesized state machine is well-formed ASL once its CloudFormation tokens are resolved;
and the validator itself catches the mistakes it claims to."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import Synthesized
from helpers import pipeline_stacks
from validate_asl import validate

STACKS = pipeline_stacks()


@pytest.mark.parametrize("stack", STACKS)
def test_definitions_are_valid_asl(synthesized: Synthesized, stack: str) -> None:
    definition = synthesized.definition(stack)
    assert validate(definition) == []
    assert "<" not in definition["States"]["Preprocess"]["Resource"]  # tokens resolved


MINIMAL: dict[str, Any] = {
    "StartAt": "A",
    "States": {
        "A": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Next": "B",
            "ResultPath": "$.a",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
        },
        "B": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "C"}],
            "Default": "F",
        },
        "C": {"Type": "Pass", "Parameters": {"x.$": "States.Format('{}', $.a)"}, "End": True},
        "F": {"Type": "Fail", "Error": "E"},
    },
}


def broken(change: str) -> dict[str, Any]:
    d = copy.deepcopy(MINIMAL)
    s = d["States"]
    if change == "missing target":
        s["A"]["Next"] = "Nope"
    elif change == "unreachable":
        s["Orphan"] = {"Type": "Succeed"}
    elif change == "no terminal":
        s["C"] = {"Type": "Pass", "Next": "A"}
        s["F"] = {"Type": "Pass", "Next": "A"}
    elif change == "next and end":
        s["C"]["Next"] = "F"
    elif change == "bad field":
        s["A"]["Parameter"] = {}
    elif change == "two comparisons":
        s["B"]["Choices"][0]["IsNull"] = False
    elif change == "catch-all not last":
        s["A"]["Catch"].append({"ErrorEquals": ["X"], "Next": "F"})
    elif change == "bad intrinsic":
        s["C"]["Parameters"]["x.$"] = "States.Fromat('{}', $.a)"
    elif change == "unbalanced":
        s["C"]["Parameters"]["x.$"] = "States.Format('{}', $.a"
    elif change == "bad path":
        s["A"]["ResultPath"] = "a"
    elif change == "reserved error":
        s["F"]["Error"] = "States.TaskFailed"
    return d


@pytest.mark.parametrize(
    "change",
    [
        "missing target",
        "unreachable",
        "no terminal",
        "next and end",
        "bad field",
        "two comparisons",
        "catch-all not last",
        "bad intrinsic",
        "unbalanced",
        "bad path",
        "reserved error",
    ],
)
def test_validator_catches(change: str) -> None:
    assert validate(MINIMAL) == []
    assert validate(broken(change)) != []
