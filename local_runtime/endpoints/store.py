"""Endpoint state on disk: `<workdir>/endpoints/{models,configs,endpoints}/<name>.json`.

One file per resource, written atomically, so a later process (`serve`) can host every endpoint a run
deployed, and two processes never overwrite each other's resources. Timestamps are stored as ISO 8601
and returned as datetimes, as boto3 returns them.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ml_code.common.io import write_json

KINDS = ("models", "configs", "endpoints")
TIME_FIELDS = ("CreationTime", "LastModifiedTime")


def _encode(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in record.items()}


def _decode(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: datetime.fromisoformat(v) if k in TIME_FIELDS and isinstance(v, str) else v
        for k, v in record.items()
    }


class Store:
    def __init__(self, workdir: Path) -> None:
        self.root = workdir / "endpoints"
        self.artifacts = self.root / "artifacts"

    def _path(self, kind: str, name: str) -> Path:
        assert kind in KINDS
        return self.root / kind / f"{name}.json"

    def put(self, kind: str, name: str, record: dict[str, Any]) -> None:
        write_json(self._path(kind, name), _encode(record))

    def delete(self, kind: str, name: str) -> None:
        self._path(kind, name).unlink(missing_ok=True)

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        path = self._path(kind, name)
        try:
            return _decode(json.loads(path.read_text()))
        except FileNotFoundError:
            return None

    def all(self, kind: str) -> dict[str, dict[str, Any]]:
        folder = self.root / kind
        records = {}
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            record = self.get(kind, path.stem)
            if record is not None:
                records[path.stem] = record
        return records

    def put_settings(self, settings: dict[str, Any]) -> None:
        write_json(self.root / "service.json", settings)

    def settings(self) -> dict[str, Any]:
        path = self.root / "service.json"
        return json.loads(path.read_text()) if path.exists() else {}
