"""Runs entry points in-process under a job folder shaped like /opt/ml, as the local runtime does."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ml_code.common import sm_env


@contextlib.contextmanager
def opt_ml(root: Path) -> Iterator[None]:
    """Point ml_code's container root at `root` for the block, restoring what was there before."""
    previous = os.environ.get(sm_env.ROOT_ENV)
    os.environ[sm_env.ROOT_ENV] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(sm_env.ROOT_ENV, None)
        else:
            os.environ[sm_env.ROOT_ENV] = previous
