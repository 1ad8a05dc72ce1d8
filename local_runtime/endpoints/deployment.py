"""Runs a blue/green update with deployment guardrails: shift traffic step by step, bake each step with
the alarms watching the new fleet, and roll everything back to the old fleet at once if one fires
(https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html).

The bake sleeps on the injected clock until the next event: an alarm period completing, the end of
the step, the execution deadline, or the endpoint's deletion (which notifies `Endpoint.settled`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from local_runtime.endpoints.alarms import AlarmSpec, Sample, is_alarming
from local_runtime.endpoints.clock import Clock, completed_periods
from local_runtime.endpoints.endpoint import Endpoint
from local_runtime.endpoints.fleet import Fleet
from local_runtime.endpoints.policy import Plan


@dataclass(frozen=True)
class Guard:
    plan: Plan
    alarms: tuple[AlarmSpec, ...]
    clock: Clock


def routes(fleets: Sequence[Fleet], weights: dict[str, float], share: float) -> list[tuple[Fleet, float]]:
    """Spread `share` of the traffic over `fleets` in proportion to their variant weights."""
    total = sum(weights[f.variant] for f in fleets) or 1.0
    return [(f, share * weights[f.variant] / total) for f in fleets]


class _Watch:
    """The alarms on the new fleet, evaluated as CloudWatch does: once each time a period completes."""

    def __init__(self, guard: Guard, ep: Endpoint, origin: float) -> None:
        self._alarms = [a for a in guard.alarms if a.watches(ep.name)]
        self._ep, self._origin = ep, origin
        self._evaluated: tuple[int, ...] = ()

    def _completed(self, now: float) -> tuple[int, ...]:
        return tuple(completed_periods(self._origin, now, a.period_seconds) for a in self._alarms)

    def next_evaluation(self, now: float) -> float:
        """When the next period of any alarm completes."""
        ends = [
            self._origin + (done + 1) * a.period_seconds
            for a, done in zip(self._alarms, self._completed(now), strict=True)
        ]
        return min(ends, default=math.inf)

    def fired(self, now: float) -> list[str]:
        completed = self._completed(now)
        if completed == self._evaluated:
            return []
        self._evaluated = completed
        samples: list[Sample] = [s for fleet in self._ep.green for s in list(fleet.samples)]
        return [a.name for a in self._alarms if is_alarming(a, samples, origin=self._origin, now=now)]


def _bake(guard: Guard, watch: _Watch, ep: Endpoint, seconds: float, deadline: float) -> str | None:
    """Watch the alarms for `seconds`; the reason to roll back, if any."""
    clock = guard.clock
    end = clock.now() + seconds
    while True:
        now = clock.now()
        fired = watch.fired(now)
        if fired:
            return f"CloudWatch alarm(s) {', '.join(fired)} went into ALARM state on the new fleet"
        if now >= deadline:
            return "the deployment exceeded MaximumExecutionTimeoutInSeconds"
        if ep.deleted:
            return "the endpoint was deleted"
        if now >= end:
            return None
        with ep.settled:
            clock.wait(ep.settled, lambda: ep.deleted, min(end, deadline, watch.next_evaluation(now)))


def run_update(
    ep: Endpoint,
    guard: Guard,
    blue_weights: dict[str, float],
    green_weights: dict[str, float],
    started: float,
) -> str | None:
    """Shift `ep.green` in per `guard.plan` (the update was requested at clock time `started`);
    returns None on success or why it rolled back.

    On success the green fleets serve everything; on rollback the old fleets do, and the caller
    retires whichever side lost (after draining it).
    """
    deadline = started + guard.plan.timeout_seconds  # provisioning counts too
    watch = _Watch(guard, ep, guard.clock.now())  # the alarms' periods start with the new fleet's traffic
    for step in guard.plan.steps:
        ep.router.set(
            routes(ep.fleets, blue_weights, 1 - step.green_share)
            + routes(ep.green, green_weights, step.green_share)
        )
        reason = _bake(guard, watch, ep, step.bake_seconds, deadline)
        if reason is not None:
            ep.router.set(routes(ep.fleets, blue_weights, 1.0))  # all traffic back at once
            return reason
    return None
