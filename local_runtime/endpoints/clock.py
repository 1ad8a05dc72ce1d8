"""Time as endpoint lifecycles see it: canary bakes, alarm periods, execution timeouts and deletions run
on a clock that counts SageMaker's seconds, injected into the controller.

`ScaledClock` maps those seconds onto real time (a local run compresses a 300 s bake into a fraction of
that); tests drive a clock of their own that moves only when they advance it
(`tests/local_runtime/manual_clock.py`), so every step of a deployment is asserted without sleeping.
Clients, model latency and the canary load stay in real time: they are not the service's timers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

EPSILON = 1e-9  # a wait that ends at a period boundary counts that period as complete
# Local runs compress time: a 60 s polling Wait takes 0.6 s, a 600 s canary bake 6 s.
DEFAULT_TIME_SCALE = 0.01


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since an arbitrary origin, never decreasing."""
        ...

    def wait(self, condition: threading.Condition, predicate: Callable[[], bool], until: float) -> bool:
        """Called holding `condition`: block until `predicate()` holds (the waker notifies `condition`)
        or the clock reaches `until`; returns `predicate()`."""
        ...

    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        """Run `action` (on some thread) once `delay` seconds have passed."""
        ...


class ScaledClock:
    """Real time, with each SageMaker second lasting `scale` real seconds."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError(f"the time scale must be positive, got {scale}")
        self.scale = scale
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) / self.scale

    def wait(self, condition: threading.Condition, predicate: Callable[[], bool], until: float) -> bool:
        return condition.wait_for(predicate, timeout=max(0.0, (until - self.now()) * self.scale))

    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(max(0.0, delay) * self.scale, action)
        timer.daemon = True
        timer.start()


def completed_periods(origin: float, now: float, period: float) -> int:
    """How many whole periods of `period` seconds lie between `origin` and `now`."""
    return int((now - origin) / period + EPSILON)
