"""The timeline panel: one row per state, each visit a bar placed and sized on the execution's time
axis, as the console's Gantt view does.

Bars are positioned in percent of the whole run inside a track of fixed width, with a minimum
visible width: a Choice or Pass state takes milliseconds, and a time-scaled Wait (60 s in AWS,
0.6 s here) would otherwise vanish beside a training job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from local_runtime.timeline import StateSpan

MIN_WIDTH = 0.4  # percent of the track: a visible sliver for an instant state


@dataclass(frozen=True)
class Bar:
    left: float  # percent of the run
    width: float
    failed: bool


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    visits: int
    seconds: float
    bars: tuple[Bar, ...]
    status: str  # visited, failed or running
    label: str


def _label(kind: str, visits: int, seconds: float, time_scale: float) -> str:
    text = f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    if visits > 1:
        text = f"{visits} visits · {text}"
    if kind == "Wait" and time_scale not in (0, 1):
        text += f" (≈{seconds / time_scale:,.0f} s in AWS)"
    return text


@dataclass(frozen=True)
class Chart:
    rows: list[Row]
    seconds: float  # the time axis: from the first state entered to the last one left


def chart(spans: Sequence[StateSpan], time_scale: float) -> Chart:
    if not spans:
        return Chart([], 0.0)
    start = min(s.entered for s in spans)
    finish = max(s.exited or s.entered for s in spans)
    total = max((finish - start).total_seconds(), 1e-6)
    grouped: dict[str, list[StateSpan]] = {}
    for span in spans:
        grouped.setdefault(span.name, []).append(span)
    out = []
    for name, visits in grouped.items():
        bars = []
        for s in visits:
            left = 100 * (s.entered - start).total_seconds() / total
            length = (
                100 * (s.seconds if s.seconds is not None else (finish - s.entered).total_seconds()) / total
            )
            width = max(length, MIN_WIDTH)
            bars.append(Bar(round(min(left, 100 - width), 3), round(width, 3), s.failed))
        seconds = sum(s.seconds or 0.0 for s in visits)
        status = (
            "failed"
            if any(s.failed for s in visits)
            else "running"
            if visits[-1].exited is None
            else "visited"
        )
        kind = visits[0].kind
        out.append(
            Row(
                name,
                kind,
                len(visits),
                seconds,
                tuple(bars),
                status,
                _label(kind, len(visits), seconds, time_scale),
            )
        )
    return Chart(out, total)
