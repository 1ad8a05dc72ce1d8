"""S3 as a local directory tree: `s3://bucket/key` is `<root>/<bucket>/<key>`."""

from __future__ import annotations

import shutil
from pathlib import Path


class LocalS3:
    def __init__(self, root: Path) -> None:
        self.root = root

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
