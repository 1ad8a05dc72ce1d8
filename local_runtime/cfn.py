"""Resolves CloudFormation intrinsic functions in a synthesized template to local values.

The local runtime runs the state machine definitions exactly as synthesized; only the tokens that
CloudFormation would fill in at deploy time (bucket names, role and topic ARNs, exports, pseudo
parameters) are replaced, by the names those resources would have in a local account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "us-east-1"

# Properties that set a resource's physical name, by type.
_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::IAM::Role": "RoleName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::SageMaker::Endpoint": "EndpointName",
}


class UnresolvableToken(ValueError):
    """A token the local runtime cannot give a local value (names the stack and the function)."""


@dataclass
class Resolver:
    """Resolves tokens across a set of stacks' templates (exports flow between them)."""

    templates: Mapping[str, dict[str, Any]]
    account: str = LOCAL_ACCOUNT
    region: str = LOCAL_REGION
    exports: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for stack, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                export = output.get("Export", {}).get("Name")
                if export is not None:
                    name = self.resolve(stack, export)
                    self.exports[str(name)] = (stack, output["Value"])

    # -- physical names ----------------------------------------------------------------------

    def physical_name(self, stack: str, logical_id: str) -> str:
        resource = self._resource(stack, logical_id)
        prop = _NAME_PROPERTY.get(resource["Type"])
        given = resource.get("Properties", {}).get(prop) if prop else None
        if given is not None:
            return str(self.resolve(stack, given))
        name = re.sub(r"[^a-z0-9-]", "-", f"{stack}-{logical_id}".lower())
        return name[:63].strip("-")

    def ref(self, stack: str, logical_id: str) -> str:
        if logical_id.startswith("AWS::"):
            return self._pseudo(logical_id, stack)
        if logical_id in self.templates[stack].get("Parameters", {}):
            default = self.templates[stack]["Parameters"][logical_id].get("Default")
            if default is None:
                raise UnresolvableToken(f"{stack}: parameter {logical_id} has no default")
            return str(default)
        resource_type = self._resource(stack, logical_id)["Type"]
        name = self.physical_name(stack, logical_id)
        if resource_type in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine"):
            return self.arn(resource_type, name)
        return name

    def arn(self, resource_type: str, name: str) -> str:
        acct, region = self.account, self.region
        return {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{region}:{acct}:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{acct}:role/{name}",
            "AWS::KMS::Key": f"arn:aws:kms:{region}:{acct}:key/{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{acct}:log-group:{name}:*",
            "AWS::StepFunctions::StateMachine": f"arn:aws:states:{region}:{acct}:stateMachine:{name}",
            "AWS::CloudWatch::Alarm": f"arn:aws:cloudwatch:{region}:{acct}:alarm:{name}",
        }.get(resource_type, f"arn:aws:local:{region}:{acct}:{name}")

    def get_att(self, stack: str, logical_id: str, attribute: str) -> str:
        resource = self._resource(stack, logical_id)
        resource_type = resource["Type"]
        if attribute in resource.get("Properties", {}):  # e.g. an endpoint's EndpointName
            return str(self.resolve(stack, resource["Properties"][attribute]))
        name = self.physical_name(stack, logical_id)
        if attribute == "Arn":
            return self.arn(resource_type, name)
        if attribute in ("TopicName", "Name", "RoleId", "KeyId"):
            return name
        if attribute == "TopicArn":
            return self.arn(resource_type, name)
        if attribute in ("DomainName", "RegionalDomainName"):
            return f"{name}.s3.{self.region}.amazonaws.com"
        raise UnresolvableToken(f"{stack}: Fn::GetAtt {logical_id}.{attribute} has no local value")

    # -- intrinsic functions -----------------------------------------------------------------

    def resolve(self, stack: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(stack, v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, stack, arg)
        return {k: self.resolve(stack, v) for k, v in value.items()}

    def resolve_text(self, text: str) -> str:
        """Pseudo parameters in a `${AWS::...}` string outside any stack (e.g. asset manifests)."""
        return re.sub(r"\$\{(AWS::[A-Za-z]+)\}", lambda m: self._pseudo(m.group(1)), text)

    def _sub(self, stack: str, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in variables:
                return str(self.resolve(stack, variables[token]))
            if "." in token and not token.startswith("AWS::"):
                logical, attribute = token.split(".", 1)
                return self.get_att(stack, logical, attribute)
            return self.ref(stack, token)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _import(self, stack: str, arg: Any) -> Any:
        name = str(self.resolve(stack, arg))
        if name not in self.exports:
            raise UnresolvableToken(f"{stack}: Fn::ImportValue {name!r} is not exported by any stack")
        source_stack, value = self.exports[name]
        return self.resolve(source_stack, value)

    def _pseudo(self, name: str, stack: str = "") -> str:
        values = {
            "AWS::StackName": stack,
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }
        if name not in values:
            raise UnresolvableToken(f"pseudo parameter {name} has no local value")
        return values[name]

    def _resource(self, stack: str, logical_id: str) -> dict[str, Any]:
        try:
            return dict(self.templates[stack]["Resources"][logical_id])
        except KeyError:
            raise UnresolvableToken(f"{stack}: no resource {logical_id!r}") from None


def _join(r: Resolver, stack: str, arg: Any) -> str:
    sep, parts = arg
    return str(sep).join(str(r.resolve(stack, p)) for p in parts)


def _select(r: Resolver, stack: str, arg: Any) -> Any:
    index, items = arg
    return r.resolve(stack, items)[int(r.resolve(stack, index))]


def _split(r: Resolver, stack: str, arg: Any) -> list[str]:
    sep, text = arg
    return str(r.resolve(stack, text)).split(sep)


_FUNCTIONS = {
    "Ref": lambda r, s, a: r.ref(s, a),
    "Fn::GetAtt": lambda r, s, a: r.get_att(s, *(a.split(".", 1) if isinstance(a, str) else a)),
    "Fn::Join": _join,
    "Fn::Sub": lambda r, s, a: r._sub(s, a),
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::ImportValue": lambda r, s, a: r._import(s, a),
}
