"""Errors that carry what a user needs to fix their input, never a library traceback."""

from __future__ import annotations


class InputError(Exception):
    """A data file is not what the step expects: says which file, row and field, and what was expected."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file, self.row, self.field, self.expected = file, row, field, expected
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        text = f"{', '.join(where)}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class BadRequest(ValueError):
    """An inference request the model cannot answer; endpoints turn it into a 4xx with this message."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        self.status = status
        super().__init__(message)
