"""Compresses Step Functions waiting for local runs (pinned to moto 5.2.5's interpreter).

The synthesized deploy loop waits 60 s between DescribeEndpoint polls and retries back off for
tens of seconds, as they should on AWS; run locally, Wait states and Retry intervals take
`seconds * scale`. moto's own `_wait_interval` re-enters its wait when fewer whole seconds than
asked have passed, so sub-second waits replace it rather than wrap it.
"""

from __future__ import annotations

import contextlib
import time
import types
from collections.abc import Iterator
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction


@contextlib.contextmanager
def scaled_waits(scale: float) -> Iterator[None]:
    if scale == 1.0:
        yield
        return

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds * scale)

    scaled_time = types.SimpleNamespace(sleep=lambda seconds: time.sleep(seconds * scale))
    with (
        mock.patch.object(WaitFunction, "_wait_interval", wait_interval),
        mock.patch.object(retrier_decl, "time", scaled_time),
    ):
        yield
