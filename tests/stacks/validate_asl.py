"""Structural checks for Amazon States Language (no ASL validator is installed here).

Checks what the Step Functions service would reject or what would hang an execution: unknown state
types and fields, missing targets of Next/Default/Catch, unreachable states, states that cannot reach
a terminal state, malformed Retry/Catch, Choice rules without exactly one comparison, paths that do
not start with `$`, unknown intrinsic functions. Spec: https://states-language.net/spec.html

Usage: python tests/stacks/validate_asl.py cdk.out/*.template.json
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asl_spec import COMPARISONS, FIELDS, INTRINSICS, PATH_FIELDS

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for local_runtime

from local_runtime.cfn import Resolver


def validate(definition: dict[str, Any]) -> list[str]:
    """All problems found in one state machine definition (empty when it is well formed)."""
    errors: list[str] = []
    states = definition.get("States")
    if not isinstance(states, dict) or not states:
        return ["States must be a non-empty object"]
    if definition.get("StartAt") not in states:
        errors.append(f"StartAt {definition.get('StartAt')!r} is not a state")
    edges: dict[str, set[str]] = {}
    for name, state in states.items():
        state_errors, targets = _check_state(name, state)
        errors += state_errors
        errors += [f"{name}: target {t!r} does not exist" for t in targets if t not in states]
        edges[name] = {t for t in targets if t in states}
    reachable = _closure({definition.get("StartAt", "")}, edges) & set(states)
    errors += [f"{name}: unreachable from StartAt" for name in states if name not in reachable]
    terminals = {n for n, s in states.items() if s.get("Type") in ("Succeed", "Fail") or s.get("End") is True}
    if not terminals:
        errors.append("no terminal state (Succeed, Fail or End: true)")
    reverse: dict[str, set[str]] = {n: set() for n in states}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    can_finish = _closure(terminals, reverse)
    errors += [f"{name}: cannot reach a terminal state" for name in states if name not in can_finish]
    return errors


def _check_state(name: str, state: dict[str, Any]) -> tuple[list[str], set[str]]:
    kind = state.get("Type")
    if kind not in FIELDS:
        return [f"{name}: unknown Type {kind!r}"], set()
    errors = [f"{name}: field {f!r} is not allowed in a {kind} state" for f in state if f not in FIELDS[kind]]
    targets: set[str] = set()
    if kind in ("Task", "Pass", "Wait", "Parallel", "Map"):
        if ("Next" in state) == (state.get("End") is True):
            errors.append(f"{name}: needs exactly one of Next or End: true")
        if "Next" in state:
            targets.add(state["Next"])
    if kind == "Fail" and str(state.get("Error", "")).startswith("States."):
        errors.append(f"{name}: a Fail state may not raise a reserved States.* error")
    if kind == "Task" and not isinstance(state.get("Resource"), str):
        errors.append(f"{name}: Task needs a Resource")
    if (
        kind == "Wait"
        and sum(k in state for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")) != 1
    ):
        errors.append(f"{name}: Wait needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath")
    if kind == "Choice":
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            errors.append(f"{name}: Choice needs a non-empty Choices list")
        for i, rule in enumerate(choices or []):
            errors += [f"{name}: Choices[{i}] {e}" for e in _check_rule(rule, top=True)]
            targets.add(rule.get("Next", ""))
        if "Default" in state:
            targets.add(state["Default"])
    for field in ("Retry", "Catch"):
        errors += _check_handlers(name, field, state.get(field, []))
    targets |= {c.get("Next", "") for c in state.get("Catch", [])}
    errors += [
        f"{name}: {f} {state[f]!r} must be a path starting with $"
        for f in PATH_FIELDS & set(state)
        if state[f] is not None and not str(state[f]).startswith("$")
    ]
    for field in ("Parameters", "ResultSelector"):
        errors += [f"{name}: {e}" for e in _check_payload(state.get(field))]
    return errors, targets


def _check_rule(rule: dict[str, Any], *, top: bool) -> list[str]:
    errors = []
    if top and not isinstance(rule.get("Next"), str):
        errors.append("has no Next")
    if not top and "Next" in rule:
        errors.append("nested rule must not have Next")
    if "And" in rule or "Or" in rule:
        nested = rule.get("And") or rule.get("Or")
        return (
            errors + [e for r in nested for e in _check_rule(r, top=False)]
            if nested
            else [*errors, "empty And/Or"]
        )
    if "Not" in rule:
        return errors + _check_rule(rule["Not"], top=False)
    ops = [k for k in rule if k in COMPARISONS]
    if len(ops) != 1:
        errors.append(f"needs exactly one comparison, has {ops}")
    if not str(rule.get("Variable", "")).startswith("$"):
        errors.append("Variable must be a path starting with $")
    return errors


def _check_handlers(name: str, field: str, handlers: list[dict[str, Any]]) -> list[str]:
    errors = []
    for i, handler in enumerate(handlers):
        errs = handler.get("ErrorEquals")
        if not isinstance(errs, list) or not errs:
            errors.append(f"{name}: {field}[{i}] needs a non-empty ErrorEquals")
        elif "States.ALL" in errs and (len(errs) > 1 or i != len(handlers) - 1):
            errors.append(f"{name}: {field}[{i}] States.ALL must be alone and last")
        if field == "Catch" and not isinstance(handler.get("Next"), str):
            errors.append(f"{name}: Catch[{i}] has no Next")
    return errors


def _check_payload(node: Any, where: str = "") -> Iterator[str]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _check_payload(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.endswith(".$"):
                yield from _check_dynamic(f"{where}.{key}", value)
            else:
                yield from _check_payload(value, f"{where}.{key}")


def _check_dynamic(where: str, value: Any) -> Iterator[str]:
    if not isinstance(value, str) or not (value.startswith("$") or value.startswith("States.")):
        yield f"{where}: {value!r} is neither a path nor an intrinsic function"
        return
    unknown = set(re.findall(r"States\.[A-Za-z]+(?=\()", value)) - INTRINSICS
    if unknown:
        yield f"{where}: unknown intrinsic {sorted(unknown)}"
    outside = re.sub(r"'(?:[^'\\]|\\.)*'", "''", value)  # ignore parentheses inside string literals
    if outside.count("(") != outside.count(")") or value.count("'") % 2:
        yield f"{where}: unbalanced parentheses or quotes in {value!r}"


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def state_machine_definitions(resolver: Resolver, stack: str) -> dict[str, dict[str, Any]]:
    """Every AWS::StepFunctions::StateMachine of `stack`: logical id -> ASL with its tokens resolved
    by the local runtime's resolver, so these checks cover what local runs execute."""
    resources = resolver.templates[stack].get("Resources", {})
    return {
        logical_id: json.loads(resolver.resolve(stack, resource["Properties"]["DefinitionString"]))
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    }


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    resolver = Resolver({p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in paths})
    failed = 0
    for path in paths:
        stack = path.name.removesuffix(".template.json")
        for logical_id, definition in state_machine_definitions(resolver, stack).items():
            problems = validate(definition)
            failed += bool(problems)
            print(f"{path} {logical_id}: {'ok' if not problems else ''}")
            for problem in problems:
                print(f"  {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
