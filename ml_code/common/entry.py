"""Wraps entry points so that bad input ends with one clear line and exit code 2, not a traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

from ml_code.common import sm_env
from ml_code.common.errors import InputError

EXIT_BAD_INPUT = 2


def entry_point(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sm_env.write_failure(f"InputError: {exc}")
            return EXIT_BAD_INPUT

    return wrapper
