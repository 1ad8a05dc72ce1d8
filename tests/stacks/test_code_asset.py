"""The ml_code archive is deterministic and holds only shippable code."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from stacks.code_asset import archive_bytes


def _tree(root: Path) -> Path:
    code = root / "ml_code"
    (code / "common").mkdir(parents=True)
    (code / "__pycache__").mkdir()
    (code / "tests").mkdir()
    (code / "__init__.py").write_text("")
    (code / "common" / "io.py").write_text("X = 1\n")
    (code / "__pycache__" / "io.cpython-311.pyc").write_bytes(b"\0")
    (code / "tests" / "test_io.py").write_text("")
    return code


def test_archive_is_byte_identical_across_builds_and_mtimes(tmp_path: Path) -> None:
    code = _tree(tmp_path)
    first = archive_bytes(code)
    (code / "common" / "io.py").touch()  # a new mtime must not change the asset hash
    assert archive_bytes(code) == first
    (code / "common" / "io.py").write_text("X = 2\n")
    assert archive_bytes(code) != first


def test_archive_layout(tmp_path: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(archive_bytes(_tree(tmp_path)))) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["ml_code/__init__.py", "ml_code/common/io.py"]
    assert {(m.mtime, m.uid, m.uname) for m in members} == {(0, 0, "")}


def test_real_ml_code_archive_contains_the_entry_points() -> None:
    with tarfile.open(fileobj=io.BytesIO(archive_bytes())) as tar:
        names = set(tar.getnames())
    assert "ml_code/common/sm_env.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
