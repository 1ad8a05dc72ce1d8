"""Moving job data between LocalS3 and a job's folder, and SageMaker's tar.gz artefacts.

Inputs are copied in File mode before the code starts; outputs are uploaded only after the code
succeeded (SageMaker's `EndOfJob` upload), so a failed job leaves no partial outputs in S3.
"""

from __future__ import annotations

import glob
import tarfile
from pathlib import Path

from local_runtime.s3 import LocalS3
from ml_code.common.io import atomic_path

SUPPORTED_DATA_TYPES = {"S3Prefix", "S3Object"}


class ChannelError(Exception):
    """Job data is missing or unusable: becomes the job's FailureReason, as on SageMaker."""


def download(s3: LocalS3, uri: str, data_type: str, dest: Path) -> None:
    """Copy the object (S3Object) or every object under the prefix (S3Prefix) into folder `dest`."""
    if data_type not in SUPPORTED_DATA_TYPES:
        raise ChannelError(f"S3DataType {data_type!r} is not supported locally (use S3Prefix or S3Object)")
    try:
        src = s3.path(uri)
    except ValueError as exc:
        raise ChannelError(str(exc)) from None
    if data_type == "S3Object" and not src.is_file():
        raise ChannelError(f"S3 object {uri} does not exist")
    if src.exists():
        matches = [src]
    else:  # a key prefix need not end at a "/": `data/tr` matches `data/train.csv` and `data/train/...`
        matches = sorted(src.parent.glob(glob.escape(src.name) + "*")) if src.parent.is_dir() else []
    if not any(m.is_file() or any(f.is_file() for f in m.rglob("*")) for m in matches):
        raise ChannelError(f'No S3 objects found under S3 URL "{uri}"')
    s3.authorize_read(uri, [key for m in matches for key in s3.keys_under(m)])
    for match in matches:  # objects land relative to the prefix's folder, as SageMaker places them
        s3.download(s3.uri(match), dest / match.name if match.is_dir() and match != src else dest)


def upload(s3: LocalS3, src: Path, uri: str, kms_key: str | None = None) -> None:
    """Upload a folder's files under the prefix `uri` (nothing to do for an empty folder)."""
    if src.is_dir() and any(src.iterdir()):
        keys = [f"{uri.rstrip('/')}/{p.relative_to(src).as_posix()}" for p in src.rglob("*") if p.is_file()]
        s3.authorize_write(uri, [k.removeprefix("s3://").partition("/")[2] for k in keys], kms_key)
        s3.upload(src, uri)


def tar_directory(src: Path, dest: Path) -> None:
    """Write `dest` (tar.gz) with `src`'s files at the archive root, as SageMaker packs model.tar.gz."""
    with atomic_path(dest) as tmp, tarfile.open(tmp, "w:gz") as tar:
        for path in sorted(src.rglob("*")):
            tar.add(path, arcname=path.relative_to(src).as_posix(), recursive=False)


def extract(archive: Path, dest: Path) -> None:
    """Extract a tar.gz into `dest`, refusing absolute paths and `..` (tarfile's `data` filter)."""
    if not archive.is_file():
        raise ChannelError(f"archive {archive} does not exist")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise ChannelError(f"cannot extract {archive.name}: {exc}") from None


def fetch_archive(s3: LocalS3, uri: str, dest: Path) -> None:
    """Extract the tar.gz stored at `uri` (e.g. `sagemaker_submit_directory`, ModelDataUrl) into `dest`."""
    try:
        path = s3.path(uri)
    except ValueError as exc:
        raise ChannelError(str(exc)) from None
    if not path.is_file():
        raise ChannelError(f"S3 object {uri} does not exist")
    s3.authorize_read(uri)
    extract(path, dest)
