"""Small readers over synthesized templates and ASL definitions, shared by the stack tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def success_path(definition: dict[str, Any]) -> list[str]:
    """State names from StartAt along Next, taking each Choice's first rule (the happy path)."""
    states, name, seen = definition["States"], definition["StartAt"], []
    while name and name not in seen:
        seen.append(name)
        state = states[name]
        name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state.get("Next")
    return seen


def statements(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every IAM policy statement of a template, for checks that must see all of them at once."""
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            yield from resource["Properties"]["PolicyDocument"]["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def pipeline_stacks() -> list[str]:
    """Every pipeline stack's construct id, from the case studies themselves (no second list)."""
    from stacks.cases import ALL

    return [stack_of(case.id) for case in ALL]


def stack_of(suffix: str) -> str:
    """A stack's id in the dev stage the tests synthesize: `stack("platform")`, `stack_of(case.id)`."""
    from stacks.config import prefix, stack_name

    return stack_name(prefix("dev"), suffix)


def all_stacks() -> list[str]:
    from stacks.naming import PLATFORM

    return [stack_of(PLATFORM), *pipeline_stacks()]


def short_names() -> dict[str, str]:
    from stacks.cases import ALL

    return {stack_of(case.id): case.short_name for case in ALL}
