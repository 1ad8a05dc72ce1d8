"""The data bundled under `data/`: each case study's files (its `local.raw_files`), checked against
SHA256SUMS.

A user may point `--data-dir` at their own folder laid out like `data/` (e.g. `creditcard/creditcard.csv`,
the full Kaggle file, or `power/household_power_consumption.txt`). Where a case's bundled files are
present they are staged and verified against the manifest; otherwise every file directly in the
case's folder is staged as it is, and the preprocessing step's schema checks judge it.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from stacks.case_local import LocalData
from stacks.case_study import CaseStudy

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "data"
MANIFEST = "SHA256SUMS"


class DataError(Exception):
    """A bundled data file is missing or is not the file the manifest names."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(data_dir: Path) -> dict[str, str]:
    path = data_dir / MANIFEST
    if not path.exists():
        return {}
    sums: dict[str, str] = {}
    for line_no, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise DataError(f"{path}, line {line_no}: expected '<sha256>  <file>', got {line!r}")
        sums[name.removeprefix("./")] = digest
    return sums


def verify(data_dir: Path, relative: str, manifest: dict[str, str]) -> Path:
    path = data_dir / relative
    if not path.is_file():
        raise DataError(f"{path}: file not found (the {relative} data set is expected there)")
    expected = manifest.get(relative)
    if expected is not None and (actual := sha256_of(path)) != expected:
        raise DataError(
            f"{path}: sha256 {actual} does not match {expected} in {data_dir / MANIFEST}; "
            "the file is damaged or not the bundled data set"
        )
    return path


def _user_files(data_dir: Path, case: LocalData, case_id: str) -> list[Path]:
    folder = data_dir / case.folder
    files = sorted(p for p in folder.glob("*") if p.is_file() and p.name not in ("README.md", MANIFEST))
    if not files:
        expected = ", ".join(case.raw_files)
        raise DataError(f"{folder}: no data files for {case_id} (expected e.g. {expected} under {data_dir})")
    return files


def stage_raw_data(case: CaseStudy, data_dir: Path, dest: Path) -> list[Path]:
    """Copy a case's raw files, verified, into `dest` (the local S3 folder of its raw/ prefix)."""
    local = case.local
    manifest = read_manifest(data_dir)
    if all((data_dir / rel).is_file() for rel in local.raw_files) or manifest:
        sources = [verify(data_dir, rel, manifest) for rel in local.raw_files]
    else:
        sources = _user_files(data_dir, local, case.id)
    dest.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(src, dest / src.name)) for src in sources]
