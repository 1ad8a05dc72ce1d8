"""The raw power file, scanned once before pandas parses it: UTF-8 or a clear error, whether every
line has the UCI file's 9 fields, and the file line of a pandas row for error messages.

`RawFile.scan(path)` reads in chunks (the UCI file is ~130 MB): an ASCII check per chunk and one pass
over the separator bytes, so well-formed input costs ~0.1 s more; the line-by-line work happens only
on the error paths.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass
from pathlib import Path

from ml_code.common import io
from ml_code.common.errors import InputError

UCI_COLUMNS = (
    "Date", "Time", "Global_active_power", "Global_reactive_power", "Voltage",
    "Global_intensity", "Sub_metering_1", "Sub_metering_2", "Sub_metering_3",
)  # fmt: skip
# The separators of one well-formed UCI line as RawFile.scan keeps them: eight `;`, then LF (CRLF read as LF).
_UCI_LINE = b";" * (len(UCI_COLUMNS) - 1) + b"\n"
_NOT_SEPARATORS = bytes(sorted(set(range(256)) - set(b";\r\n")))
_CHUNK = 1 << 22  # 4 MiB: the scan's working set stays in the CPU cache


@dataclass(frozen=True)
class RawFile:
    """A raw input file, scanned once in chunks before pandas parses it from its path.

    `uci_shaped` says that every line holds 9 `;`-separated fields, as far as one fast look at the
    separator bytes can tell; when it cannot (a bad row, but also a blank line or a lone CR, which
    pandas reads as a line break), _check_uci_fields looks line by line. The file's lines are read
    only on the error paths, to name the line in the file: pandas skips blank lines, so its row
    position is not the file line once a file has some.
    """

    path: Path
    uci_shaped: bool = False

    @classmethod
    def scan(cls, path: Path) -> RawFile:
        """Stop unless the file is UTF-8 text; note whether its separators have the UCI shape."""
        decoder, ascii_so_far = codecs.getincrementaldecoder("utf-8")(), True
        shaped, rest = True, b""
        with io.open_bytes(path) as fh:
            while chunk := fh.read(_CHUNK):
                if not (ascii_so_far and chunk.isascii()):  # the common case: one quick pass
                    ascii_so_far = False
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        raise cls(path).not_utf8() from None
                if shaped:
                    separators = rest + chunk.translate(None, _NOT_SEPARATORS)
                    if b"\r" in separators:
                        separators = separators.replace(b"\r\n", b"\n")
                    # A CR at the end may pair with the next chunk's LF: keep it for then.
                    whole = (len(separators) - separators.endswith(b"\r")) // len(_UCI_LINE)
                    shaped = separators[: whole * len(_UCI_LINE)] == _UCI_LINE * whole
                    rest = separators[whole * len(_UCI_LINE) :]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise cls(path).not_utf8() from None
        # The last line need not end with a line break.
        return cls(path, uci_shaped=shaped and rest in (b"", _UCI_LINE[:-1]))

    @functools.cached_property
    def lines(self) -> list[bytes]:
        """The file's lines, split where pandas splits them (LF, CRLF, a lone CR); error paths only."""
        with io.open_bytes(self.path) as fh:
            return fh.read().removeprefix(codecs.BOM_UTF8).splitlines()

    def line(self, pos: int) -> int:
        """The file line (1-based) of pandas' data row `pos` (0-based; -1 is the header)."""
        return io.file_line(self.path, pos)

    def error(
        self,
        message: str,
        *,
        pos: int | None = None,
        line: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> InputError:
        """An InputError at data row `pos` (pandas' numbering) or at file line `line`."""
        row = self.line(pos) if pos is not None else line
        return InputError(str(self.path), message, row=row, field=field, expected=expected)

    def not_utf8(self) -> InputError:
        """Name the first line that is not UTF-8 (no multi-byte character spans a line break)."""
        for number, text in enumerate(self.lines, start=1):
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = f"byte 0x{text[exc.start]:02x}"
                return self.error(f"not UTF-8 text ({byte})", line=number, expected="UTF-8 text")
        return self.error("not UTF-8 text", expected="UTF-8 text")
