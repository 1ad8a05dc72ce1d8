"""Fleets and the router: weighted routing, atomic swaps, and unloading only after in-flight requests."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter

import pytest

from local_runtime.endpoints.fleet import Fleet, Router
from local_runtime.endpoints.loader import Handlers
from ml_code.common.errors import BadRequest


def _handlers(gate: threading.Event | None = None) -> Handlers:
    def predict(rows: list[float], model: dict) -> dict:
        if gate is not None:
            assert gate.wait(10), "the test never released the request"
        return {"sum": sum(rows) * model["scale"]}

    def parse(body: bytes, content_type: str) -> list[float]:
        if content_type != "text/csv":
            raise BadRequest("text/csv only", status=415)
        return [float(v) for v in body.split(b",")]

    return Handlers(
        model_fn=lambda model_dir: {"scale": 2.0},
        input_fn=parse,
        predict_fn=predict,
        output_fn=lambda prediction, accept: json.dumps(prediction).encode(),
        default_accept="application/json",
    )


def _fleet(variant: str, gate: threading.Event | None = None) -> Fleet:
    return Fleet(variant, f"model-{variant}", 1, _handlers(gate), {"scale": 2.0})


def test_weighted_routing_matches_the_shares() -> None:
    random.seed(7)
    blue, green = _fleet("blue"), _fleet("green")
    router = Router()
    router.set([(blue, 0.75), (green, 0.25), (_fleet("off"), 0.0)])
    counts: Counter[str] = Counter()
    for _ in range(20_000):
        fleet = router.acquire()
        assert fleet is not None
        counts[fleet.variant] += 1
        fleet.invoke(b"1", "text/csv", "")
    assert counts["green"] / 20_000 == pytest.approx(0.25, abs=0.015)
    assert set(counts) == {"blue", "green"}  # a zero-weight fleet gets nothing
    assert (router.share(blue), router.share(green)) == (0.75, 0.25)


def test_invoke_statuses_and_samples() -> None:
    fleet = _fleet("v")
    for body, content_type in [(b"1,2", "text/csv"), (b"1", "application/json"), (b"x", "text/csv")]:
        fleet.enter()
        fleet.invoke(body, content_type, "*/*")
    fleet.enter()
    ok = fleet.invoke(b"1,2", "text/csv", "*/*")
    assert (ok.status, json.loads(ok.body), ok.content_type) == (200, {"sum": 6.0}, "application/json")
    assert [s.status for s in fleet.samples] == [200, 415, 500, 200]
    assert all(s.latency_us > 0 for s in fleet.samples)


def test_unload_waits_for_in_flight_requests() -> None:
    release = threading.Event()
    old = _fleet("old", gate=release)
    router = Router()
    router.set([(old, 1.0)])
    acquired = router.acquire()
    assert acquired is old
    result: list = []
    worker = threading.Thread(target=lambda: result.append(old.invoke(b"1", "text/csv", "")))
    worker.start()
    router.set([(_fleet("new"), 1.0)])  # the swap: later requests go to the new fleet
    unloader = threading.Thread(target=old.unload)
    unloader.start()
    unloader.join(timeout=0.2)
    assert unloader.is_alive()  # the request it accepted is still being answered
    release.set()
    unloader.join(timeout=5)
    assert not unloader.is_alive()
    worker.join(timeout=5)
    assert result[0].status == 200 and json.loads(result[0].body) == {"sum": 2.0}
    after = router.acquire()
    assert after is not None and after.variant == "new"
