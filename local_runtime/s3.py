"""S3 as a local directory tree: `s3://bucket/key` is `<root>/<bucket>/<key>`.

A view acting as an IAM role (`as_role`) asks `access` before a job reads or writes, as S3 asks IAM:
the local runtime gives jobs such views, so a SageMaker execution role missing a grant fails the job
here as it would on AWS.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class S3Access(Protocol):
    """Raises when `role` may not read the keys (under `prefix`) or write them (with `kms_key`)."""

    def read(self, role: str, bucket: str, prefix: str, keys: list[str], listing: bool) -> None: ...

    def write(self, role: str, bucket: str, keys: list[str], kms_key: str | None) -> None: ...


class LocalS3:
    def __init__(self, root: Path, access: S3Access | None = None, role: str | None = None) -> None:
        self.root, self.access, self.role = root, access, role

    def as_role(self, role: str | None) -> LocalS3:
        """The same tree, with reads and writes authorized as `role` (when access is checked)."""
        return LocalS3(self.root, self.access, role)

    def authorize_read(self, uri: str, keys: Iterable[str] | None = None) -> None:
        """Check a read of `keys` under the prefix `uri` (an S3Prefix input: listed first), or, with
        no keys, a download of the one object at `uri`."""
        if self.access is None or self.role is None:
            return
        bucket, prefix = _split(uri)
        if keys is None:
            self.access.read(self.role, bucket, prefix, [prefix], False)
        else:
            self.access.read(self.role, bucket, prefix, list(keys), True)

    def authorize_write(
        self, uri: str, keys: Iterable[str] | None = None, kms_key: str | None = None
    ) -> None:
        if self.access is None or self.role is None:
            return
        bucket, prefix = _split(uri)
        self.access.write(self.role, bucket, list(keys) if keys is not None else [prefix], kms_key)

    def keys_under(self, path: Path) -> list[str]:
        """The object keys of a local file or of every file in a folder of this tree."""
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        return [_split(self.uri(f))[1] for f in files]

    def path(self, uri: str) -> Path:
        """The local path of an `s3://bucket/key` URI (a prefix maps to a folder)."""
        if not uri.startswith("s3://"):
            raise ValueError(f"expected an s3:// URI, got {uri!r}")
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket or ".." in Path(key).parts:
            raise ValueError(f"not a valid S3 URI: {uri!r}")
        return self.root / bucket / key

    def uri(self, path: Path) -> str:
        rel = path.resolve().relative_to(self.root.resolve())
        return "s3://" + rel.as_posix()

    def exists(self, uri: str) -> bool:
        return self.path(uri).exists()

    def download(self, uri: str, dest: Path) -> None:
        """Copy an object, or every object under a prefix, into `dest` (a folder), as a job input does."""
        src = self.path(uri)
        dest.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / src.name)
        else:
            raise FileNotFoundError(f"no object or prefix at {uri}")

    def upload(self, src: Path, uri: str) -> None:
        """Copy a file to the key, or a folder's files under the prefix."""
        dest = self.path(uri)
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key
