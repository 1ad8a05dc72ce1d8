"""Wraps entry points so that bad input ends with one clear line and exit code 2, not a traceback."""

from __future__ import annotations

import functools
import sys
from typing import Protocol

from ml_code.common import sm_env
from ml_code.common.errors import InputError

EXIT_BAD_INPUT = 2


class Main(Protocol):
    def __call__(self, argv: list[str] | None = None) -> int: ...


def entry_point(main: Main) -> Main:
    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sm_env.write_failure(f"InputError: {exc}")
            return EXIT_BAD_INPUT

    return wrapper
