"""The contracts every task call of a local execution is held to, before a local service runs it.

In order, as AWS applies them: a field the optimized integration does not accept (`States.Runtime`
on AWS when it arrives through a path; static ones already refused the definition), then the
request against the API model (the service's ValidationException), then the caller's permissions
(AccessDenied). Each failure names the state, the field or permission, and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_runtime.contracts import api_shapes, iam, integrations
from local_runtime.contracts.permissions import AccessDenied, Authorizer, Need, NoPermissionRule
from local_runtime.errors import S3Error, SageMakerError

# aws-sdk services whose requests are checked against their botocore model. SNS is left out: its
# Step Functions integration takes `Message` as JSON and serializes it before calling SNS.
SHAPED_SERVICES = ("sagemaker", "s3")


class UnsupportedField(Exception):
    """A field the optimized integration rejects: AWS fails the state with States.Runtime."""


@dataclass(frozen=True)
class CallGuard:
    authorizer: Authorizer | None = None
    role_arn: str | None = None  # the state machine's role

    def check(self, state: str, resource: str, params: Mapping[str, Any]) -> None:
        where = f"state {state}: "
        problems = integrations.unsupported_fields(resource, dict(params))
        if problems:
            raise UnsupportedField(
                f"{where}The field {problems[0]!r} is not supported by Step Functions "
                f"({resource}; accepted fields and their sources: local_runtime/contracts/integrations.py)"
            )
        service, action = _service_action(resource)
        if service in SHAPED_SERVICES and api_shapes.has_operation(service, action):
            violations = api_shapes.validate(service, action, dict(params))
            if violations:
                text = f"{api_shapes.message(violations)} ({where}checked against botocore's {service} model)"
                raise _error(service, "ValidationException", text, status=400)
        if self.authorizer is not None and self.role_arn is not None:
            try:
                needs = self.authorizer.task_needs(resource, params)
            except NoPermissionRule as exc:  # a limit of local mode, named as such
                raise _error(service, "LocalNoPermissionRule", f"{where}{exc}", status=400) from None
            self._authorize(service, where, needs)

    def missing_object(self, state: str, bucket: str, key: str) -> None:
        """S3 answers a missing key with NoSuchKey only to a caller that may list the bucket."""
        if self.authorizer is not None and self.role_arn is not None:
            self._authorize("s3", f"state {state}: ", self.authorizer.missing_object_needs(bucket, key))

    def _authorize(self, service: str, where: str, needs: list[Need]) -> None:
        assert self.authorizer is not None and self.role_arn is not None
        try:
            self.authorizer.authorize(self.role_arn, needs, where=where)
        except AccessDenied as exc:
            raise _error(service, "AccessDenied", str(exc), status=403) from None
        except iam.UnsupportedPolicy as exc:  # a limit of local mode, not an answer AWS would give
            message = f"{where}local mode cannot evaluate a policy: {exc}"
            raise _error(service, "LocalUnsupportedPolicy", message, status=400) from None


def _service_action(resource: str) -> tuple[str, str]:
    """`arn:aws:states:::sagemaker:createModel` -> (sagemaker, createModel); aws-sdk drops its prefix."""
    parts = resource.split(":::", 1)[-1].split(":")
    if parts[0] == "aws-sdk":
        parts = parts[1:]
    return parts[0], parts[1].split(".")[0] if len(parts) > 1 else ""


def _error(service: str, code: str, message: str, *, status: int) -> Exception:
    if service == "s3":
        return S3Error(code if code != "ValidationException" else "InvalidRequest", message, status)
    return SageMakerError(f"{code}Exception" if code == "AccessDenied" else code, message)
