"""Renders a `ReportData` into one self-contained HTML page (Jinja2 templates beside this module,
styles inline, plots as data: URIs) and writes it atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from local_runtime.report import gantt
from local_runtime.report.model import ReportData

BASELINE = "baseline"  # run metrics named baseline:<model>:<metric>, as pipeline.BASELINE writes them

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["fig"] = lambda v: f"{v:.4f}" if isinstance(v, int | float) else "—"
_ENV.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.0f}%"
_ENV.filters["trial"] = lambda name, tuning: name.removeprefix(f"{tuning}-")


def _hyperparameter(value: str) -> str:
    """A tuned value as a person reads it: 4 significant digits (the job got the full value)."""
    try:
        number = float(value)
    except ValueError:
        return value
    return value if number.is_integer() and "e" not in value.lower() else f"{number:.4g}"


_ENV.filters["hp"] = _hyperparameter


@dataclass(frozen=True)
class GateRow:
    """The quality gate's figures side by side: the candidate against threshold, baseline(s), live model."""

    metric: str
    candidate: float | None
    threshold: float | None
    baselines: list[tuple[str, float, bool]]  # (model, figure, whether the gate's bar comes from it)
    bar: float | None
    margin: float | None
    live: float | None
    decision: str
    passed: bool


def gate_row(data: ReportData) -> GateRow | None:
    gate = data.gate
    if gate is None:
        return None
    m = gate.metric
    name = str(m.get("name", ""))
    scored = {
        k.split(":", 2)[1]: v
        for k, v in data.metrics.items()
        if k.startswith(f"{BASELINE}:") and k.split(":", 2)[2:] == [name]
    }
    if m.get("baseline") and m.get("baseline_value") is not None:
        scored.setdefault(str(m["baseline"]), float(m["baseline_value"]))
    baselines = [(model, value, model == m.get("baseline")) for model, value in sorted(scored.items())]
    failed = data.error == "QualityGateFailed"
    decision = "failed" if failed else "passed" if data.error is None else "passed (a later step failed)"
    if gate.model and not failed:
        decision += f": {gate.model} deployed" if data.error is None else f" ({gate.model} chosen)"
    return GateRow(
        name, m.get("value"), m.get("threshold"), baselines, m.get("bar") if m.get("baseline") else None,
        m.get("margin") if m.get("baseline") else None, gate.live, decision, not failed,
    )  # fmt: skip


def render(data: ReportData) -> str:
    return _ENV.get_template("report.html.j2").render(
        data=data,
        gate=gate_row(data),
        chart=gantt.chart(data.spans, data.time_scale),
        main_plots=[p for p in data.plots if p.trial is None or _is_best(data, p.trial)],
        other_plots=[p for p in data.plots if p.trial is not None and not _is_best(data, p.trial)],
    )


def _is_best(data: ReportData, trial: str) -> bool:
    return any(t.best and t.name == trial for tuned in data.tuning for t in tuned.trials)


def write(data: ReportData, path: Path) -> Path:
    """Render, then replace `path` in one step: a reader sees the old report or the new one, never a
    half-written file (the page is rendered in full before the file is opened)."""
    text = render(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
