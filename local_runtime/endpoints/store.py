"""Endpoint state on disk: `<workdir>/endpoints/{models,configs,endpoints}/<name>.json`.

One file per resource, written atomically, so a later process (`serve`) can host every endpoint a run
deployed, and two processes never overwrite each other's resources. Timestamps are stored as ISO 8601
and returned as datetimes, as boto3 returns them.

Every record is validated on read: a model or endpoint config is the request that created it (held to
botocore's SageMaker model, as it was when created) plus its ARN and creation time; an endpoint
record has the fields `DescribeEndpoint` needs. A file that is not such a record (truncated, empty,
binary, another shape, renamed) is skipped and listed in `damaged`, with its path and what is wrong,
so one bad file never takes the other endpoints down.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from local_runtime.contracts import api_shapes
from ml_code.common.io import write_json

KINDS = ("models", "configs", "endpoints")
TIME_FIELDS = ("CreationTime", "LastModifiedTime")
STATUSES = ("Creating", "Updating", "RollingBack", "InService", "Deleting", "Failed", "OutOfService")
# per kind: the field naming the resource, the fields added to its create request, the request's action
_CREATED = {
    "models": ("ModelName", ("ModelArn", "CreationTime"), "createModel"),
    "configs": ("EndpointConfigName", ("EndpointConfigArn", "CreationTime"), "createEndpointConfig"),
}
_ENDPOINT_FIELDS = {
    "EndpointName": str,
    "EndpointArn": str,
    "EndpointConfigName": str,
    "EndpointStatus": str,
    "CreationTime": str,
    "LastModifiedTime": str,
}


class DamagedRecord(ValueError):
    """A state file that cannot be read as its kind of record."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


def _encode(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in record.items()}


def _problems(kind: str, name: str, record: Any) -> list[str]:
    """What makes `record` (parsed JSON of `<kind>/<name>.json`) unusable; empty if nothing."""
    if not isinstance(record, dict):
        return [f"expected a JSON object, found a JSON {type(record).__name__}"]
    if kind == "endpoints":
        found = [
            f"{field} must be a {kind_.__name__}, found {record.get(field)!r}"
            for field, kind_ in _ENDPOINT_FIELDS.items()
            if not isinstance(record.get(field), kind_)
        ]
        if record.get("EndpointStatus") not in STATUSES and not found:
            found.append(f"EndpointStatus {record['EndpointStatus']!r} is not one of {', '.join(STATUSES)}")
        reason, deployment = record.get("FailureReason"), record.get("LastDeploymentConfig")
        if reason is not None and not isinstance(reason, str):
            found.append(f"FailureReason must be a string or null, found {reason!r}")
        if deployment is not None:
            request = {"EndpointName": name, "EndpointConfigName": "c", "DeploymentConfig": deployment}
            found += [str(v) for v in api_shapes.validate("sagemaker", "updateEndpoint", request)]
        key = "EndpointName"
    else:
        key, added, action = _CREATED[kind]
        found = [f"{field} is missing" for field in added if not isinstance(record.get(field), str)]
        request = {k: v for k, v in record.items() if k not in added}
        found += [str(v) for v in api_shapes.validate("sagemaker", action, request)]
    for field in TIME_FIELDS:
        if isinstance(record.get(field), str):
            try:
                datetime.fromisoformat(record[field])
            except ValueError:
                found.append(f"{field} {record[field]!r} is not an ISO 8601 time")
    if isinstance(record.get(key), str) and record[key] != name:
        found.append(f"{key} {record[key]!r} does not match the file name {name!r}")
    return found


class Store:
    def __init__(self, workdir: Path) -> None:
        self.root = workdir / "endpoints"
        self.artifacts = self.root / "artifacts"
        self.damaged: dict[str, list[DamagedRecord]] = {kind: [] for kind in KINDS}  # as of the last scan
        self._parsed: dict[
            Path, tuple[tuple[int, int, int], dict[str, Any]]
        ] = {}  # `serve` rescans each second

    def path(self, kind: str, name: str) -> Path:
        assert kind in KINDS
        return self.root / kind / f"{name}.json"

    def put(self, kind: str, name: str, record: dict[str, Any]) -> None:
        write_json(self.path(kind, name), _encode(record))

    def delete(self, kind: str, name: str) -> None:
        self.path(kind, name).unlink(missing_ok=True)

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The record, None if there is none; raises DamagedRecord if the file is not a valid one."""
        path = self.path(kind, name)
        try:
            stat = path.stat()
            cached = self._parsed.get(path)
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a rewrite (os.replace) is a new inode
            if cached is not None and cached[0] == key:
                return dict(cached[1])
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError as exc:
            raise DamagedRecord(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            problem = "the file is empty" if not text.strip() else f"not valid JSON ({exc})"
            raise DamagedRecord(path, problem) from None
        problems = _problems(kind, name, record)
        if problems:
            raise DamagedRecord(path, "; ".join(problems))
        decoded = {
            k: datetime.fromisoformat(v) if k in TIME_FIELDS and isinstance(v, str) else v
            for k, v in record.items()
        }
        self._parsed[path] = (key, decoded)
        return dict(decoded)

    def all(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every valid record of `kind`; the damaged ones are listed in `self.damaged[kind]`."""
        folder = self.root / kind
        records, damaged = {}, []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                record = self.get(kind, path.stem)
            except DamagedRecord as exc:
                damaged.append(exc)
                continue
            if record is not None:
                records[path.stem] = record
        self.damaged[kind] = damaged
        return records

    def all_damaged(self) -> list[DamagedRecord]:
        return [d for kind in KINDS for d in self.damaged[kind]]

    def put_settings(self, settings: dict[str, Any]) -> None:
        write_json(self.root / "service.json", settings)

    def settings(self) -> dict[str, Any]:
        """`service.json` (where local S3 lives, the region); {} if none; DamagedRecord if unreadable."""
        path = self.root / "service.json"
        try:
            settings = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DamagedRecord(path, f"not valid JSON ({exc}); a run rewrites it") from None
        if not isinstance(settings, dict) or not all(isinstance(v, str) for v in settings.values()):
            raise DamagedRecord(path, f"expected an object of strings, found {settings!r}; a run rewrites it")
        return settings
