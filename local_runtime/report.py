"""A self-contained HTML report per execution: timeline, metrics, the ml_code plots, deployment outcome."""

from __future__ import annotations

import base64
import html
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_runtime.timeline import GateFigures, StateSpan


@dataclass
class ReportData:
    case: str
    execution: str
    status: str
    duration_s: float
    error: str | None
    cause: str | None
    metrics: dict[str, float]
    endpoint: dict[str, Any] | None
    spans: list[StateSpan]
    plots: list[tuple[str, bytes]] = field(default_factory=list)
    gate: GateFigures | None = None


def collect_plots(s3_root: Path, run_dirs: Iterable[Path]) -> list[tuple[str, bytes]]:
    """The PNGs an execution wrote: loose files and those inside job `output.tar.gz`, under its own
    run folders only (another execution, even a concurrent one, writes elsewhere)."""
    found: list[tuple[str, bytes]] = []
    for path in sorted(p for run_dir in run_dirs for p in run_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(s3_root).as_posix()
        if path.suffix == ".png":
            found.append((rel, path.read_bytes()))
        elif path.name == "output.tar.gz":
            found.extend(_pngs_in_tar(path, rel))
    return found


def _pngs_in_tar(path: Path, rel: str) -> Iterable[tuple[str, bytes]]:
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".png"):
                fh = tar.extractfile(member)
                if fh is not None:
                    yield f"{rel}:{member.name}", fh.read()


def _row(*cells: object) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"


def _figure(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "—"


def gate_panel(gate: GateFigures | None, error: str | None) -> str:
    """Candidate, threshold, baseline (and the bar it sets), live model and the decision, side by side."""
    if gate is None:
        return "<p>the gate was not reached</p>"
    m = gate.metric
    baseline = f"{m['baseline']} {_figure(m.get('baseline_value'))}" if m.get("baseline") else "none"
    bar = f"{_figure(m.get('bar'))} (margin {m.get('margin')})" if m.get("baseline") else "—"
    decision = (
        "failed" if error == "QualityGateFailed" else "passed" if error is None else "passed (later failure)"
    )
    if gate.model and decision != "failed":
        decision += f": {gate.model} deployed" if error is None else f" ({gate.model} chosen)"
    head = "".join(
        f"<th>{h}</th>"
        for h in ("metric", "candidate", "threshold", "baseline", "bar", "live model", "decision")
    )
    return "<table class='gate'><tr>" + head + "</tr>" + _row(
        m.get("name"), _figure(m.get("value")), _figure(m.get("threshold")), baseline, bar,
        _figure(gate.live) if gate.live is not None else "none deployed", decision,
    ) + "</table>"  # fmt: skip


def render(data: ReportData) -> str:
    total = max(data.duration_s, 1e-9)
    timeline = "".join(
        _row(
            s.name,
            f"{s.seconds:.1f} s" if s.seconds is not None else "running",
            "failed" if s.failed else "ok",
        ).replace(
            "</tr>",
            f'<td><div class="bar" style="width:{100 * (s.seconds or 0) / total:.1f}%"></div></td></tr>',
        )
        for s in data.spans
    )
    metrics = "".join(_row(k, f"{v:.4f}") for k, v in sorted(data.metrics.items()))
    outcome = f"{data.status}" + (f": {data.error} — {data.cause}" if data.error else "")
    endpoint = html.escape(json.dumps(data.endpoint, indent=2, default=str)) if data.endpoint else "none"
    plots = "".join(
        f"<figure><img src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, png in data.plots
    )
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(data.case)} — {html.escape(data.execution)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}td{{padding:2px 10px}}
.bar{{background:#4a7;height:10px}}figure{{display:inline-block;margin:8px}}img{{max-width:520px}}
.FAILED{{color:#b22}}.SUCCEEDED{{color:#282}}</style></head><body>
<h1>{html.escape(data.case)}</h1>
<p>Execution <code>{html.escape(data.execution)}</code> —
<b class="{html.escape(data.status)}">{html.escape(outcome)}</b> in {data.duration_s:.1f} s</p>
<h2>State timeline</h2><table><tr><th>state</th><th>time</th><th>result</th><th></th></tr>{timeline}</table>
<h2>Quality gate</h2>{gate_panel(data.gate, data.error)}
<h2>Metrics</h2><table>{metrics or "<tr><td>none recorded</td></tr>"}</table>
<h2>Deployment</h2><pre>{endpoint}</pre>
<h2>Plots</h2>{plots or "<p>none</p>"}
</body></html>
"""


def write(data: ReportData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render(data))
    tmp.replace(path)
    return path
