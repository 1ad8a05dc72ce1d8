"""Canary load: during a local bake there are no real clients, so the service can replay a sample
request against the endpoint to give the alarms something to evaluate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from local_runtime.errors import SageMakerError

RATE_PER_SECOND = 50.0


@dataclass(frozen=True)
class SampleRequest:
    body: bytes
    content_type: str
    accept: str = "application/json"


# given an endpoint name, a request that endpoint's model answers (None: no load for this endpoint)
TrafficSource = Callable[[str], SampleRequest | None]
Invoke = Callable[[str, bytes, str, str], object]


class LoadGenerator:
    """Sends `sample` to the endpoint at a steady rate on a daemon thread until stopped."""

    def __init__(self, invoke: Invoke, endpoint: str, sample: SampleRequest) -> None:
        self._invoke, self._endpoint, self._sample = invoke, endpoint, sample
        self._stop = threading.Event()
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name=f"canary-load-{endpoint}", daemon=True)

    def _run(self) -> None:
        interval = 1 / RATE_PER_SECOND
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self._invoke(
                    self._endpoint, self._sample.body, self._sample.content_type, self._sample.accept
                )
            except SageMakerError:
                return  # the endpoint went away
            self.sent += 1
            next_at += interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> LoadGenerator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
