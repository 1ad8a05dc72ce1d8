"""A fleet (one production variant's loaded model) and the router that spreads requests over fleets.

Routing is atomic per request: the router picks a fleet and counts the request in flight under one
lock, and a deployment swaps the whole route table under the same lock. A fleet taken out of the
table is unloaded only once its in-flight requests have drained, so a traffic shift or a rollback
never drops a request.
"""

from __future__ import annotations

import bisect
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from local_runtime.endpoints.alarms import Sample
from local_runtime.endpoints.capture import Capture
from local_runtime.endpoints.loader import Handlers
from ml_code.common.errors import BadRequest

MAX_SAMPLES = 200_000  # enough for any bake; bounds memory on a long-running server


@dataclass(frozen=True)
class Invocation:
    status: int
    body: bytes
    content_type: str
    variant: str


def _model_error(status: int, message: str) -> bytes:
    # the shape of SageMaker runtime's ModelError body: the container's status and message
    kind = "client" if status < 500 else "server"
    return json.dumps(
        {
            "ErrorCode": f"{kind.upper()}_ERROR_FROM_MODEL",
            "OriginalStatusCode": status,
            "OriginalMessage": message,
            "Message": f'Received {kind} error ({status}) from model with message "{message}".',
        }
    ).encode()


def _toolkit_status(exc: Exception) -> int | None:
    """The status of an inference-toolkit error (`BaseInferenceToolkitError`, or ml_code's stand-in of
    that shape: a framework model's artifact carries its own copy of the class); None: a crash."""
    if isinstance(exc, BadRequest):
        return exc.status
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    if names & {"BaseInferenceToolkitError", "_ServingError"} and isinstance(status, int):
        return status
    return None


class Fleet:
    def __init__(
        self,
        variant: str,
        model_name: str,
        instances: int,
        handlers: Handlers,
        model: object,
        capture: Capture | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        """`now` stamps the samples the alarms read: the controller's clock."""
        self.variant, self.model_name, self.instances = variant, model_name, instances
        self._handlers, self._model, self._capture, self._now = handlers, model, capture, now
        self.samples: deque[Sample] = deque(maxlen=MAX_SAMPLES)
        self._in_flight = 0
        self._idle = threading.Condition()

    def enter(self) -> None:
        with self._idle:
            self._in_flight += 1

    def invoke(self, body: bytes, content_type: str, accept: str) -> Invocation:
        """Run the handlers for one request that `Router.acquire` counted in flight on this fleet."""
        h = self._handlers
        accept = h.default_accept if accept in ("", "*/*") else accept
        start = time.perf_counter()
        try:
            output = h.output_fn(h.predict_fn(h.input_fn(body, content_type), self._model), accept)
            result = Invocation(
                200, output if isinstance(output, bytes) else str(output).encode(), accept, self.variant
            )
        except Exception as exc:
            status = _toolkit_status(exc)
            if status is not None:
                result = Invocation(status, _model_error(status, str(exc)), "application/json", self.variant)
            else:  # the model crashed: a 5XX the guardrail alarms count
                message = f"{type(exc).__name__}: {exc}"
                result = Invocation(500, _model_error(500, message), "application/json", self.variant)
        finally:
            end = time.perf_counter()
            with self._idle:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.notify_all()
        self.samples.append(Sample(self._now(), (end - start) * 1e6, result.status))
        if self._capture is not None and result.status == 200:
            self._capture.record(body, content_type, result.body, result.content_type)
        return result

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until no request is in flight (the fleet is already out of the route table)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def flush_capture(self) -> int:
        """Write what data capture has gathered so far; returns the number of records written."""
        return self._capture.flush() if self._capture is not None else 0

    def unload(self) -> None:
        self.drain()
        self._model = None
        if self._capture is not None:
            self._capture.close()


class Router:
    """Weighted choice among fleets; `set` replaces the table atomically."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fleets: list[Fleet] = []
        self._bounds: list[float] = []
        self.weights: dict[int, float] = {}

    def set(self, routes: list[tuple[Fleet, float]]) -> None:
        routes = [(fleet, weight) for fleet, weight in routes if weight > 0]
        total = sum(weight for _, weight in routes)
        bounds, running = [], 0.0
        for _, weight in routes:
            running += weight / total
            bounds.append(running)
        with self._lock:
            self._fleets = [fleet for fleet, _ in routes]
            self._bounds = bounds
            self.weights = {id(fleet): weight / total for fleet, weight in routes}

    def acquire(self) -> Fleet | None:
        """Pick a fleet by its share and count the request in flight on it."""
        with self._lock:
            if not self._fleets:
                return None
            index = bisect.bisect_left(self._bounds, random.random() * self._bounds[-1])
            fleet = self._fleets[min(index, len(self._fleets) - 1)]
            fleet.enter()
            return fleet

    def share(self, fleet: Fleet) -> float:
        return self.weights.get(id(fleet), 0.0)
