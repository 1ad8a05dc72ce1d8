"""An exact, offline IAM policy evaluator: does this set of policies allow this one request?

Local mode holds every AWS call a state machine or a SageMaker job makes to the caller's synthesized
identity policies, and to resource-based policies (an SNS topic policy, a KMS key policy), so that a
missing grant fails here rather than after a deploy. moto's evaluator cannot serve: it reads only
`StringEquals`, silently ignores every other operator and treats `.` and `?` as regex. So this module
implements the IAM User Guide rules below, and raises `UnsupportedPolicy` for anything else rather
than guessing.

- Deny beats Allow; no applicable Allow is an implicit deny:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- Action names are case-insensitive; `*` and `?` are the only wildcards:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- Resource ARNs are case-sensitive; `*` and `?` are the only wildcards:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- Condition operators, the missing-key rule, `...IfExists` and `Null`:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- Operators and keys are ANDed, the values of one key ORed (NORed for negated operators):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- `ForAnyValue:` / `ForAllValues:` over list-valued keys:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- Principal and NotPrincipal in resource-based policies:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html

This module decides one policy set at a time. Combining an identity decision with a resource-policy
decision (same account: either Allow is enough, any explicit Deny wins) is the caller's job, and so
are SCPs, permission boundaries and session policies.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any


class UnsupportedPolicy(ValueError):
    """A policy this evaluator cannot judge exactly; a guess could hide a real allow or deny."""


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


@dataclass(frozen=True)
class Principal:
    """Who makes the call: `AWS` with a role ARN or an account id, or `Service` with a service name.

    Give the role ARN (`arn:aws:iam::123456789012:role/x`), not an assumed-role session ARN: a
    policy naming the role cannot be matched to a session without the role's path.
    """

    kind: str  # "AWS" | "Service"
    value: str  # role ARN / account id, or e.g. "cloudwatch.amazonaws.com"

    def __post_init__(self) -> None:
        if self.kind not in ("AWS", "Service") or not self.value or "*" in self.value:
            raise ValueError(f"principal must be AWS or Service with a concrete value, got {self}")
        if self.kind == "AWS" and self.value.startswith("arn:") and len(self.value.split(":")) < 6:
            raise ValueError(f"principal ARN {self.value!r} does not have six colon-separated segments")

    def identities(self) -> frozenset[tuple[str, str]]:
        """The principal and, for an IAM ARN, its account: a policy naming either one names it."""
        if self.kind == "Service":
            return frozenset({("Service", self.value)})
        return frozenset({_aws_identity(self.value), ("account", _account_of(self.value))})


@dataclass(frozen=True)
class Request:
    action: str  # e.g. "sagemaker:CreateTrainingJob"
    resource: str  # an ARN
    context: Mapping[str, str | list[str]] = field(default_factory=dict)  # condition keys
    principal: Principal | None = None  # needed for resource-based policies only


@dataclass(frozen=True)
class _Condition:
    qualifier: str  # "", "ForAnyValue" or "ForAllValues"
    operator: str  # e.g. "StringLike", without "IfExists"
    if_exists: bool
    key: str  # lower-cased: condition key names are case-insensitive
    values: tuple[str, ...]

    def holds(self, context: Mapping[str, tuple[str, ...]]) -> bool:
        found = context.get(self.key)
        if self.operator == "Null":
            return any((found is None) == (value == "true") for value in self.values)
        if found is None:
            # A missing key fails the condition, except for IfExists, the negated operators, and
            # ForAllValues (vacuously true over an empty set).
            return (
                self.if_exists
                or self.qualifier == "ForAllValues"
                or (not self.qualifier and _OPERATORS[self.operator][1])
            )
        if not self.qualifier and len(found) != 1:
            raise UnsupportedPolicy(
                f"{self.operator} on {self.key!r}, which the request gives {len(found)} values: a "
                "multivalued key needs ForAnyValue: or ForAllValues:"
            )
        results = (self._matches(value) for value in found)
        return all(results) if self.qualifier == "ForAllValues" else any(results)

    def _matches(self, request_value: str) -> bool:
        match, negated = _OPERATORS[self.operator]
        hit = any(match(policy_value, request_value) for policy_value in self.values)
        return hit != negated


@dataclass(frozen=True)
class _Statement:
    source: Mapping[str, Any]
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: a resource policy's statement covers its own resource
    not_resource: bool
    principals: frozenset[tuple[str, str]] | None  # None: an identity policy
    not_principal: bool
    conditions: tuple[_Condition, ...]

    def applies(self, request: Request, context: Mapping[str, tuple[str, ...]]) -> bool:
        if self.principals is not None and self._names(request.principal) == self.not_principal:
            return False
        if any(_like(p, request.action, ignore_case=True) for p in self.actions) == self.not_action:
            return False
        resources = self.resources
        if resources is not None and any(_like(p, request.resource) for p in resources) == self.not_resource:
            return False
        return all(condition.holds(context) for condition in self.conditions)

    def _names(self, principal: Principal | None) -> bool:
        """Whether this resource-policy statement's Principal (or NotPrincipal) lists the caller."""
        if principal is None:
            raise ValueError("a resource-based policy needs request.principal")
        listed = self.principals or frozenset()
        if ("*", "*") in listed:
            return True
        if self.not_principal:
            # AWS may check the account, then the role, so a caller escapes a NotPrincipal Deny only
            # when both are listed (reference_policies_elements_notprincipal.html).
            return principal.identities() <= listed
        return bool(principal.identities() & listed)


def evaluate(
    documents: Iterable[Mapping[str, Any]], request: Request, *, resource_policy: bool = False
) -> Decision:
    """The decision of these policy documents (all identity policies, or all resource policies)."""
    applicable = matching_statements(documents, request, resource_policy=resource_policy)
    if any(statement["Effect"] == "Deny" for statement in applicable):
        return Decision.EXPLICIT_DENY
    return Decision.ALLOW if applicable else Decision.IMPLICIT_DENY


def matching_statements(
    documents: Iterable[Mapping[str, Any]], request: Request, *, resource_policy: bool = False
) -> list[Mapping[str, Any]]:
    """The statements (as written, for messages) that apply to the request, Allow and Deny alike.

    Every statement is checked, not only those that apply, so an unsupported policy fails on every
    request rather than on the one that happens to reach it.
    """
    statements = [
        _parse_statement(raw, f"document {d}, statement {s}", resource_policy)
        for d, document in enumerate(documents)
        for s, raw in enumerate(_statements_of(document, f"document {d}"))
    ]
    context = _normalized_context(request.context)
    return [statement.source for statement in statements if statement.applies(request, context)]


# --- matching ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """`*` is any run of characters and `?` one character; everything else, `.` and `+` too, is literal."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike/ArnEquals match each of the six colon-separated segments on its own, so a wildcard
    # never spans a colon (reference_policies_elements_condition_operators.html#Conditions_ARN).
    patterns, values = pattern.split(":", 5), value.split(":", 5)
    return len(values) == 6 and all(_like(p, v) for p, v in zip(patterns, values, strict=True))


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _number(text: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number")
    return Decimal(text)


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[str, str], bool]:
    return lambda policy_value, request_value: compare(_number(request_value), _number(policy_value))


# name -> (does the request value match one policy value, is the operator negated)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (operator.eq, False),
    "StringNotEquals": (operator.eq, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.casefold() == v.casefold(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.casefold() == v.casefold(), True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda p, v: p == v.lower(), False),
    "NumericEquals": (_numeric(operator.eq), False),
    "NumericNotEquals": (_numeric(operator.eq), True),
    "NumericLessThan": (_numeric(operator.lt), False),
    "NumericLessThanEquals": (_numeric(operator.le), False),
    "NumericGreaterThan": (_numeric(operator.gt), False),
    "NumericGreaterThanEquals": (_numeric(operator.ge), False),
    "Null": (operator.eq, False),  # tests presence; see _Condition.holds
}


# --- parsing and validation ----------------------------------------------------------------------

_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)


def _statements_of(document: Mapping[str, Any], where: str) -> list[Any]:
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown or "Statement" not in document:
        raise UnsupportedPolicy(f"{where}: expected Version, Id and Statement, got {sorted(document)}")
    if document.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise UnsupportedPolicy(f"{where}: unknown policy Version {document['Version']!r}")
    statements = document["Statement"]
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _parse_statement(raw: Any, where: str, resource_policy: bool) -> _Statement:
    if not isinstance(raw, Mapping):
        raise UnsupportedPolicy(f"{where}: a statement must be an object, got {raw!r}")
    if "Sid" in raw:
        where = f"{where} (Sid {raw['Sid']!r})"
    if unknown := set(raw) - _STATEMENT_KEYS:
        raise UnsupportedPolicy(f"{where}: unknown elements {sorted(unknown)}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise UnsupportedPolicy(f"{where}: Effect must be Allow or Deny, got {raw.get('Effect')!r}")
    actions, not_action = _one_of(raw, "Action", where, required=True)
    resources, not_resource = _one_of(raw, "Resource", where, required=not resource_policy)
    if any("${" in r for r in resources or ()):
        raise UnsupportedPolicy(f"{where}: policy variables are not supported: {resources}")
    principals, not_principal = None, False
    if resource_policy:
        principals, not_principal = _parse_principal(raw, where)
    elif "Principal" in raw or "NotPrincipal" in raw:
        raise UnsupportedPolicy(f"{where}: an identity policy cannot name a Principal")
    return _Statement(
        source=raw,
        actions=actions or (),
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principals=principals,
        not_principal=not_principal,
        conditions=_parse_conditions(raw.get("Condition", {}), where),
    )


def _one_of(
    raw: Mapping[str, Any], name: str, where: str, *, required: bool
) -> tuple[tuple[str, ...] | None, bool]:
    """`Action` or `NotAction` (likewise Resource): its strings, and whether it was the `Not` form."""
    if name in raw and f"Not{name}" in raw:
        raise UnsupportedPolicy(f"{where}: has both {name} and Not{name}")
    negated = f"Not{name}" in raw
    if not negated and name not in raw:
        if required:
            raise UnsupportedPolicy(f"{where}: has neither {name} nor Not{name}")
        return None, False
    return _strings(raw[f"Not{name}" if negated else name], f"{where}: {name}"), negated


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise UnsupportedPolicy(f"{where} must be a string or a non-empty list of strings, got {value!r}")
    return tuple(items)


def _parse_principal(raw: Mapping[str, Any], where: str) -> tuple[frozenset[tuple[str, str]], bool]:
    if ("Principal" in raw) == ("NotPrincipal" in raw):
        raise UnsupportedPolicy(f"{where}: a resource policy statement needs Principal or NotPrincipal")
    negated = "NotPrincipal" in raw
    if negated and raw["Effect"] == "Allow":
        # AWS advises against it and documents only the Deny form (..._elements_notprincipal.html).
        raise UnsupportedPolicy(f"{where}: NotPrincipal with Allow is not supported")
    element = raw["NotPrincipal" if negated else "Principal"]
    if element == "*":
        return frozenset({("*", "*")}), negated
    if not isinstance(element, Mapping) or not element or set(element) - {"AWS", "Service"}:
        raise UnsupportedPolicy(
            f"{where}: only '*', AWS and Service principals are supported, got {element!r}"
        )
    named: set[tuple[str, str]] = set()
    for kind, values in element.items():
        for value in _strings(values, f"{where}: Principal {kind}"):
            if kind == "AWS" and value == "*":
                named.add(("*", "*"))  # the same as "Principal": "*" (..._elements_principal.html)
            elif "*" in value:
                raise UnsupportedPolicy(f"{where}: a wildcard cannot match part of a principal: {value!r}")
            else:
                named.add((kind, value) if kind == "Service" else _aws_identity(value))
    return frozenset(named), negated


def _aws_identity(value: str) -> tuple[str, str]:
    """An account id and its root ARN (`arn:aws:iam::123:root`) name the same thing: the account."""
    if not value.startswith("arn:") or value.endswith(":root"):
        return ("account", _account_of(value))
    return ("arn", value)


def _account_of(value: str) -> str:
    return value.split(":")[4] if value.startswith("arn:") else value


def _parse_conditions(block: Any, where: str) -> tuple[_Condition, ...]:
    if not isinstance(block, Mapping):
        raise UnsupportedPolicy(f"{where}: Condition must be an object, got {block!r}")
    conditions = []
    for full_name, keys in block.items():
        qualifier, _, name = full_name.rpartition(":")
        base = name.removesuffix("IfExists")
        if qualifier not in ("", "ForAnyValue", "ForAllValues") or base not in _OPERATORS:
            raise UnsupportedPolicy(f"{where}: unsupported condition operator {full_name!r}")
        if base == "Null" and (name != base or qualifier):
            raise UnsupportedPolicy(f"{where}: Null takes neither IfExists nor a set qualifier")
        if not isinstance(keys, Mapping):
            raise UnsupportedPolicy(f"{where}: {full_name} must map condition keys to values")
        for key, values in keys.items():
            texts = tuple(_condition_value(v, f"{where}: {full_name} {key}", base) for v in _list(values))
            if not texts:
                raise UnsupportedPolicy(f"{where}: {full_name} {key} has no values")
            conditions.append(_Condition(qualifier, base, name != base, key.lower(), texts))
    return tuple(conditions)


def _condition_value(value: Any, where: str, operator_name: str) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | str):
        text = str(value)
    else:
        raise UnsupportedPolicy(f"{where}: unsupported value {value!r}")
    if "${" in text:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
        raise UnsupportedPolicy(f"{where}: policy variables are not supported: {text!r}")
    if operator_name in ("Bool", "Null"):
        if text.lower() not in ("true", "false"):
            raise UnsupportedPolicy(f"{where}: {operator_name} takes true or false, got {text!r}")
        return text.lower()
    if operator_name.startswith("Numeric") and not _NUMBER.fullmatch(text):
        raise UnsupportedPolicy(f"{where}: {text!r} is not a number")
    if operator_name.startswith("Arn") and len(text.split(":", 5)) != 6:
        raise UnsupportedPolicy(f"{where}: {text!r} is not an ARN with six colon-separated segments")
    return text


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _normalized_context(context: Mapping[str, str | list[str]]) -> dict[str, tuple[str, ...]]:
    """Keys lower-cased (condition key names are case-insensitive), every value a tuple of strings."""
    normalized: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        values = tuple(value) if isinstance(value, list | tuple) else (value,)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"context value of {key!r} must be a string or a list of strings, got {value!r}")
        if key.lower() in normalized:
            raise ValueError(f"context key {key!r} is given twice (key names are case-insensitive)")
        normalized[key.lower()] = values
    return normalized
