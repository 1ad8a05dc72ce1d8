"""Resolve the CloudFormation intrinsics in a synthesized state machine definition, so the ASL can be
checked (and run offline) as plain JSON. Handles what CDK emits in DefinitionString: Fn::Join,
Ref (pseudo parameters and resources), Fn::GetAtt and Fn::ImportValue, Fn::Sub."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "111111111111",
    "AWS::URLSuffix": "amazonaws.com",
}


class UnresolvedIntrinsic(ValueError):
    pass


def resolve(node: Any, refs: Mapping[str, str] | None = None) -> Any:
    """Resolve `node` to plain JSON. `refs` maps logical ids, `Logical.Attr` and export names to
    values; anything else not covered gets a readable placeholder (`<Logical.Attr>`)."""
    refs = {**PSEUDO, **(refs or {})}
    if isinstance(node, list):
        return [resolve(n, refs) for n in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Fn::Join":
            delimiter, parts = value
            return delimiter.join(str(resolve(p, refs)) for p in parts)
        if key == "Ref":
            return refs.get(value, f"<{value}>")
        if key == "Fn::GetAtt":
            name = ".".join(value) if isinstance(value, list) else value
            return refs.get(name, f"<{name}>")
        if key == "Fn::ImportValue":
            name = resolve(value, refs)
            return refs.get(name, f"<import:{name}>")
        if key == "Fn::Sub":
            template = value if isinstance(value, str) else value[0]
            extra = {} if isinstance(value, str) else {k: str(resolve(v, refs)) for k, v in value[1].items()}
            return re.sub(
                r"\$\{([^}]+)\}",
                lambda m: extra.get(m.group(1)) or str(refs.get(m.group(1), f"<{m.group(1)}>")),
                template,
            )
        if key.startswith("Fn::") or key == "Condition":
            raise UnresolvedIntrinsic(f"{key} is not supported by the resolver")
    return {k: resolve(v, refs) for k, v in node.items()}


def state_machine_definitions(
    template: Mapping[str, Any], refs: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every AWS::StepFunctions::StateMachine in `template`: logical id -> parsed ASL."""
    out = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::StepFunctions::StateMachine":
            text = resolve(resource["Properties"]["DefinitionString"], refs)
            out[logical_id] = json.loads(text)
    return out
