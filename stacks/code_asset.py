"""ml_code as one deterministic `sourcedir.tar.gz`, the layout SageMaker script mode and our
processing entrypoint both unpack. Deterministic (sorted entries, mtime 0, fixed owners, no gzip
timestamp) so the asset hash, and with it the template, changes only when the code does."""

from __future__ import annotations

import gzip
import io
import tarfile
import tempfile
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CODE_ROOT = REPO_ROOT / "ml_code"
ARCHIVE_NAME = "sourcedir.tar.gz"
_EXCLUDED_PARTS = {"__pycache__", "tests", ".pytest_cache", ".mypy_cache"}
_EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def archive_bytes(code_root: Path = CODE_ROOT) -> bytes:
    """The tar.gz of `code_root` with paths relative to its parent (entries start with `ml_code/`)."""
    files = sorted(
        p
        for p in code_root.rglob("*")
        if p.is_file()
        and not _EXCLUDED_PARTS.intersection(p.relative_to(code_root).parts)
        and p.suffix not in _EXCLUDED_SUFFIXES
    )
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in files:
            info = tarfile.TarInfo(path.relative_to(code_root.parent).as_posix())
            info.size = path.stat().st_size
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


@cache
def build(code_root: Path = CODE_ROOT) -> Path:
    """Write the archive into a fresh temporary folder once per process and return its path."""
    folder = Path(tempfile.mkdtemp(prefix="ml-code-asset-"))
    target = folder / ARCHIVE_NAME
    target.write_bytes(archive_bytes(code_root))
    return target
