"""A clock for the endpoint tests that moves only when the test advances it, as a fake clock does in
Kubernetes' client tests: the test asks how many lifecycle threads are waiting on the clock, checks
the state they wait in, then advances to the next deadline. No sleeps, no elapsed-time asserts."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

LIMIT_SECONDS = 30.0  # real seconds any wait may last: a test that never advances fails, it does not hang


class ManualClock:
    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._state = threading.Condition()
        self._waits: dict[int, tuple[float, threading.Condition]] = {}
        self._timers: list[tuple[float, Callable[[], None]]] = []
        self._keys = itertools.count()

    def now(self) -> float:
        return self._now

    def wait(self, condition: threading.Condition, predicate: Callable[[], bool], until: float) -> bool:
        key = next(self._keys)
        with self._state:
            self._waits[key] = (until, condition)
            self._state.notify_all()
        try:
            if not condition.wait_for(lambda: predicate() or self._now >= until, LIMIT_SECONDS):
                raise TimeoutError(f"waited {LIMIT_SECONDS} s for the clock to reach {until}: advance it")
        finally:
            with self._state:
                del self._waits[key]
                self._state.notify_all()
        return predicate()

    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        with self._state:
            self._timers.append((self._now + delay, action))

    def waiting(self, count: int = 1) -> float:
        """Block until `count` threads wait for a future time; returns the earliest time they wait for."""

        def pending() -> list[float]:
            return [until for until, _ in self._waits.values() if until > self._now]

        with self._state:
            if not self._state.wait_for(lambda: len(pending()) >= count, LIMIT_SECONDS):
                raise TimeoutError(f"{len(pending())} thread(s) wait on the clock, expected {count}")
            return min(pending())

    def advance(self, seconds: float) -> None:
        with self._state:
            self._now += seconds
            due = [action for at, action in self._timers if at <= self._now]
            self._timers = [(at, action) for at, action in self._timers if at > self._now]
            conditions = [condition for _, condition in self._waits.values()]
        for action in due:
            action()
        for condition in conditions:
            with condition:
                condition.notify_all()

    def advance_to_next(self) -> float:
        """Advance to the earliest time a thread waits for (waiting for one first); returns the step."""
        step = self.waiting() - self._now
        self.advance(step)
        return step
