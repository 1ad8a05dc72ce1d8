"""Fields a Step Functions *optimized* SageMaker integration accepts in a Task's `Parameters`.

`arn:aws:states:::sagemaker:<action>[.sync]` tasks pass only the request fields Step Functions
supports; any other key, at the top level or nested, makes CreateStateMachine (so `cdk deploy`) fail
with `SCHEMA_VALIDATION_FAILED: The field "X" is not supported by Step Functions at
/States/<state>/Parameters`, and a key inside a value supplied through a `.$` path fails the same
way at run time, as `States.Runtime`. `aws-sdk:sagemaker:*` tasks accept every API member, so the
local runtime (which checks requests against the current botocore model) would otherwise run a
definition AWS refuses to create.

Evidence: nested keys are checked (https://github.com/aws/aws-cdk/issues/10014, the misspelt
`AtttributeNames`; https://github.com/aws/aws-step-functions-data-science-sdk-python/issues/200,
lowercase `key` in Tags; .../issues/15 for the run-time form). AWS no longer publishes the
per-action lists (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html);
`data/sfn_sagemaker_fields.json` holds the last published ones (2022-06, names rebuilt from the AWS
CDK tasks written against that page), three additions with their AWS sources, and, under each
field, the member names of its shape in the SageMaker API model of the same date (botocore
fb77617e7). The file's "sources" object records all of this.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

DATA_FILE = Path(__file__).with_name("data") / "sfn_sagemaker_fields.json"

# Accepted member names; None: a scalar or a map (its keys are the caller's own, e.g. Environment).
Tree: TypeAlias = "dict[str, Tree] | None"

# Any partition (aws, aws-cn, aws-us-gov, ...); SageMaker offers no .waitForTaskToken pattern.
_OPTIMIZED = re.compile(r"arn:aws[a-z-]*:states:::sagemaker:(?P<action>[A-Za-z]+)(?:\.sync)?")


@dataclass(frozen=True)
class Refusal:
    path: str  # e.g. InputDataConfig[0].DataSource.S3DataSource.AtttributeNames
    accepted: list[str]  # the names accepted beside it


@cache
def _actions() -> dict[str, dict[str, Tree]]:
    return dict(json.loads(DATA_FILE.read_text())["actions"])


def _action(resource: str) -> str | None:
    match = _OPTIMIZED.fullmatch(resource)
    return match["action"] if match and match["action"] in _actions() else None


def refusals(resource: str, parameters: Any) -> list[Refusal]:
    """The unsupported fields of an optimized SageMaker task (none for any other resource)."""
    action = _action(resource)
    return [] if action is None else list(_walk(_actions()[action], parameters, ""))


def unsupported_fields(resource: str, parameters: dict[str, Any]) -> list[str]:
    """Paths of the fields Step Functions refuses; `Name.$` is checked as `Name`, its value not."""
    return [refusal.path for refusal in refusals(resource, parameters)]


def _walk(tree: dict[str, Tree], value: Any, path: str) -> Iterator[Refusal]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(tree, item, f"{path}[{index}]")
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        dynamic = key.endswith(".$")
        name = key[:-2] if dynamic else key
        field = f"{path}.{name}" if path else name
        if name not in tree:
            yield Refusal(field, sorted(tree))
        elif (subtree := tree[name]) is not None and not dynamic:
            yield from _walk(subtree, item, field)


def check_definition(definition: dict[str, Any]) -> list[str]:
    """One message per field CreateStateMachine would refuse, across Map and Parallel branches."""
    messages = []
    for name, state in _states(definition):
        resource = state.get("Resource")
        if not isinstance(resource, str) or (action := _action(resource)) is None:
            continue
        # JSONata states name the request `Arguments`; JSONPath states name it `Parameters`.
        for refusal in refusals(resource, state.get("Parameters", state.get("Arguments"))):
            messages.append(
                f"state {name} (sagemaker:{action}): field {refusal.path} is not supported by the"
                " Step Functions optimized integration (CreateStateMachine fails with"
                f" SCHEMA_VALIDATION_FAILED); accepted there: {', '.join(refusal.accepted)}"
            )
    return messages


def _states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in machine.get("States", {}).items():
        yield name, state
        for key in ("Iterator", "ItemProcessor"):  # Map: legacy and current spelling
            if key in state:
                yield from _states(state[key])
        for branch in state.get("Branches", []):  # Parallel
            yield from _states(branch)


# -- generating the data file ---------------------------------------------------------------------
# The top-level names are data with their provenance ("sources" in the file); the subtrees come from
# a botocore SageMaker model (botocore/data/sagemaker/2017-07-24/service-2.json), offline:
#   regenerate(Path("service-2.json"))


def member_tree(model: dict[str, Any], shape: str, _path: tuple[str, ...] = ()) -> Tree:
    """Member names of `shape`, recursively: lists by their element, scalars and maps as None."""
    spec = model["shapes"][shape]
    if spec["type"] == "list":
        return member_tree(model, spec["member"]["shape"], _path)
    if spec["type"] == "map":
        if model["shapes"][spec["value"]["shape"]]["type"] in ("structure", "list", "map"):
            raise ValueError(f"map {shape} holds structured values; the tree cannot encode them")
        return None
    if spec["type"] != "structure" or shape in _path:  # a recursive shape is left unchecked below
        return None
    members = spec["members"]
    return {name: member_tree(model, members[name]["shape"], (*_path, shape)) for name in sorted(members)}


def build(sources: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """The data file: each action's documented fields plus recorded additions, with subtrees."""
    actions: dict[str, dict[str, Tree]] = {}
    for action, listed in sources["documented_lists"].items():
        added = [key.split(".", 1)[1] for key in sources["additions"] if key.startswith(f"{action}.")]
        if len(listed["names"]) != listed["count"]:
            raise ValueError(f"{action}: {len(listed['names'])} names for {listed['count']} documented")
        names = sorted({*listed["names"], *added})
        request = model["shapes"][model["operations"][action[:1].upper() + action[1:]]["input"]["shape"]]
        if missing := sorted(set(names) - set(request["members"])):
            raise ValueError(f"{action}: {missing} not in the model's request shape")
        actions[action] = {name: member_tree(model, request["members"][name]["shape"]) for name in names}
    return {"actions": actions, "sources": sources}


def dump(data: Any, depth: int = 0) -> str:
    """JSON with one line per top-level field of each action, so a regeneration diffs by field."""
    if depth == 3 or not isinstance(data, dict) or not data:
        return json.dumps(data, sort_keys=True, ensure_ascii=False)
    pad = " " * (depth + 1)
    items = [f"{pad}{json.dumps(key)}: {dump(data[key], depth + 1)}" for key in sorted(data)]
    return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"


def regenerate(model_file: Path) -> None:
    """Rewrite the data file's subtrees from `model_file`, keeping its recorded sources."""
    sources = json.loads(DATA_FILE.read_text())["sources"]
    DATA_FILE.write_text(dump(build(sources, json.loads(model_file.read_text()))) + "\n")
