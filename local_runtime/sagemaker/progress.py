"""Progress reports from local jobs and state machine executions, for a CLI to show step by step.

A callback receives structured events (not pre-formatted text) so a CLI can render them as it likes;
every event is also logged, so running without a callback still leaves a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

LOG = logging.getLogger("local_runtime")


@dataclass(frozen=True)
class ProgressEvent:
    source: str  # "TrainingJob", "ProcessingJob", ..., or "State" for state machine states
    name: str  # job or state name
    phase: str  # "started", "heartbeat", "completed", "failed", "entered", "exited"
    detail: str = ""
    elapsed_seconds: float | None = None

    def __str__(self) -> str:
        text = f"[{self.source}] {self.name}: {self.phase}"
        if self.elapsed_seconds is not None:
            text += f" after {self.elapsed_seconds:.1f}s"
        return f"{text} - {self.detail}" if self.detail else text


Progress = Callable[[ProgressEvent], None]


def report(progress: Progress | None, event: ProgressEvent) -> None:
    LOG.info("%s", event)
    if progress is not None:
        progress(event)
