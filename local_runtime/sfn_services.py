"""What Step Functions tasks call locally: SageMaker actions and S3 objects, in API shapes.

Task parameters arrive as the API's request (PascalCase members) and answers go back as the
state machine sees them: timestamps become epoch milliseconds for the optimised SageMaker
integration (as Step Functions renders them) and ISO-8601 strings for `aws-sdk` tasks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass, field
from typing import Any

from local_runtime.contracts.calls import CallGuard
from local_runtime.errors import S3Error, SageMakerError
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker
from ml_code.common.io import atomic_path

_API_VERBS = ("create_", "describe_", "update_", "list_", "stop_", "delete_")


def snake_case(action: str) -> str:
    """`createHyperParameterTuningJob` -> `create_hyper_parameter_tuning_job`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def to_state_json(value: Any, *, epoch_millis: bool) -> Any:
    if isinstance(value, dt.datetime):
        if epoch_millis:
            return int(value.timestamp() * 1000)
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: to_state_json(v, epoch_millis=epoch_millis) for k, v in value.items()}
    if isinstance(value, list):
        return [to_state_json(v, epoch_millis=epoch_millis) for v in value]
    return value


@dataclass
class LocalServices:
    sagemaker: LocalSageMaker
    s3: LocalS3
    guard: CallGuard = field(default_factory=CallGuard)  # no permission checks unless given policies

    def check(self, state: str, resource: str, params: dict[str, Any]) -> None:
        self.guard.check(state, resource, params)

    def sagemaker_call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        name = snake_case(action)
        method = getattr(self.sagemaker, name, None) if name.startswith(_API_VERBS) else None
        if method is None:
            raise SageMakerError(
                "UnknownOperationException", f"SageMaker action {action} is not available locally"
            )
        try:
            return method(params)  # type: ignore[no-any-return]
        except KeyError as exc:  # a required request member is absent
            raise SageMakerError(
                "ValidationException", f"Missing required parameter: {exc.args[0]}"
            ) from None

    def s3_call(self, action: str, params: dict[str, Any], state: str = "") -> dict[str, Any]:
        if action not in {"getObject", "putObject"}:
            raise S3Error("NotImplemented", f"S3 action {action} is not available locally", 501)
        bucket, key = params.get("Bucket"), params.get("Key")
        if not bucket or not key:
            raise S3Error("InvalidRequest", "Bucket and Key are required")
        if not (self.s3.root / bucket).is_dir():
            raise S3Error("NoSuchBucket", "The specified bucket does not exist", 404)
        try:
            path = self.s3.path(f"s3://{bucket}/{key}")
        except ValueError as exc:
            raise S3Error("InvalidArgument", str(exc)) from None
        if action == "putObject":
            body = params.get("Body", "")
            # Step Functions serialises a JSON (non-string) Body compactly before calling S3.
            data = (
                body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()
            )
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
            return {"ETag": f'"{hashlib.md5(data).hexdigest()}"'}
        if not path.is_file():
            self.guard.missing_object(state, str(bucket), str(key))  # AccessDenied without ListBucket
            raise S3Error("NoSuchKey", "The specified key does not exist.", 404)
        data = path.read_bytes()
        return {
            "Body": data.decode("utf-8", errors="replace"),
            "ContentLength": len(data),
            "ContentType": mimetypes.guess_type(key)[0] or "binary/octet-stream",
            "ETag": f'"{hashlib.md5(data).hexdigest()}"',
            "LastModified": dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
        }
