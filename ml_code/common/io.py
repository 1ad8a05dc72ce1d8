"""Atomic writes and checked readers: a step either writes complete outputs or none."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from io import TextIOWrapper
from pathlib import Path
from typing import IO, Any, cast

from ml_code.common.errors import InputError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are read by other users and images
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_jsonlines(path: Path, records: Iterable[Any]) -> None:
    write_text(path, "".join(json.dumps(r) + "\n" for r in records))


def read_jsonlines(path: Path) -> list[dict[str, Any]]:
    """Parse a JSON-lines file, naming the line of the first record that is not a JSON object."""
    records = []
    with path.open() as fh:
        for row, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"not valid JSON ({exc.msg})", row=row) from None
            if not isinstance(record, dict):
                raise InputError(str(path), "not a JSON object", row=row)
            records.append(record)
    if not records:
        raise InputError(str(path), "file is empty", expected="at least one JSON line")
    return records


def single_file(folder: Path, patterns: tuple[str, ...]) -> Path:
    """The one data file in a channel folder, matching one of `patterns` (e.g. `*.csv`)."""
    if not folder.is_dir():
        raise InputError(str(folder), "input folder does not exist")
    found = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise InputError(
            str(folder), f"found {len(found)} matching files ({names})", expected=f"exactly one of {patterns}"
        )
    return found[0]


@contextlib.contextmanager
def open_bytes(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes as pandas reads them: decompressed as its name says (`.gz`, a one-file `.zip`)."""
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                yield cast(IO[bytes], fh)
        elif name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = archive.namelist()
                if len(members) != 1:  # as pandas requires
                    found = f"zip holds {len(members)} files"
                    raise InputError(str(path), found, expected="exactly one file")
                with archive.open(members[0]) as member:
                    yield member
        else:
            with path.open("rb") as fh:
                yield fh
    except (gzip.BadGzipFile, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        kind = "gzip" if name.endswith(".gz") else "zip"
        raise InputError(str(path), f"not a readable {kind} file ({exc})") from None


def data_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every non-blank line, as pandas and the built-ins' readers count records:
    lines end at LF, CRLF or a lone CR; `.gz` and `.zip` are read as `open_bytes` reads them. For error
    messages only (it rescans the file). A quoted field holding a line break is not followed, so a row
    after one is reported a line early."""
    with open_bytes(path) as raw, TextIOWrapper(raw, "utf-8-sig", errors="replace", newline=None) as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line


def file_line(path: Path, data_row: int, header_lines: int = 1) -> int:
    """The line number in `path` of data row `data_row` (0-based) of a file with `header_lines` header
    lines, counted as pandas counts them: blank lines, before the header too, are skipped."""
    for record, (number, _) in enumerate(data_lines(path)):
        if record == header_lines + data_row:
            return number
    return header_lines + data_row + 1  # past the end: the count pandas would give


def read_utf8(path: Path) -> str:
    """The file decoded as UTF-8 whatever the locale, without the byte-order mark Excel's "CSV UTF-8"
    writes (else the first column name would not match); a byte that is not UTF-8 is named with its line."""
    body = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[: exc.start]
        # bytes.splitlines breaks at LF, CRLF and a lone CR (old Mac "CSV"), as the CSV readers do
        line = len(before.splitlines()) + (not before or before.endswith((b"\n", b"\r")))
        raise InputError(
            str(path),
            f"byte 0x{body[exc.start]:02x} is not UTF-8 text",
            row=line,
            expected="a UTF-8 encoded file",
        ) from None
