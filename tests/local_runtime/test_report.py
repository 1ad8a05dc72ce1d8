"""The run report: the state timeline from the event history, metrics, plots, outcome."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from local_runtime import report, timeline

EVENTS = [
    {
        "type": "TaskStateEntered",
        "timestamp": "2026-11-24T01:00:00+00:00",
        "stateEnteredEventDetails": {"name": "A"},
    },
    {
        "type": "TaskStateExited",
        "timestamp": "2026-11-24T01:00:03+00:00",
        "stateExitedEventDetails": {"name": "A"},
    },
    {
        "type": "TaskStateEntered",
        "timestamp": "2026-11-24T01:00:03+00:00",
        "stateEnteredEventDetails": {"name": "B"},
    },
    {"type": "TaskFailed", "timestamp": "2026-11-24T01:00:04+00:00"},
    {
        "type": "TaskStateEntered",
        "timestamp": "2026-11-24T01:00:05+00:00",
        "stateEnteredEventDetails": {"name": "A"},
    },
]
PNG = b"\x89PNG\r\n\x1a\nfake"


def test_spans_follow_visits_in_order_and_mark_failures() -> None:
    spans = timeline.spans(EVENTS)
    assert [(s.name, s.seconds, s.failed) for s in spans] == [
        ("A", 3.0, False),
        ("B", None, True),
        ("A", None, False),
    ]


def test_plots_are_collected_from_the_executions_own_files_and_job_output_archives(tmp_path: Path) -> None:
    ours, theirs = (
        tmp_path / "bucket" / "runs" / "case" / "run-1",
        tmp_path / "bucket" / "runs" / "case" / "run-2",
    )
    for run in (ours, theirs):  # run-2 ran at the same time, in another process
        (run / "report").mkdir(parents=True)
        (run / "report" / "pr.png").write_bytes(PNG)
    with tarfile.open(ours / "output.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("boundary.png")
        info.size = len(PNG)
        tar.addfile(info, io.BytesIO(PNG))
    names = [name for name, _ in report.collect_plots(tmp_path, [ours])]
    assert names == [
        "bucket/runs/case/run-1/output.tar.gz:boundary.png",
        "bucket/runs/case/run-1/report/pr.png",
    ]


def test_report_shows_outcome_metrics_and_plots(tmp_path: Path) -> None:
    data = report.ReportData(
        "moon-classification", "run-1", "FAILED", 5.0, "RolledBack", "alarm fired", {"test:accuracy": 0.93},
        {"name": "ep", "live_config": "old"}, timeline.spans(EVENTS), [("pr.png", PNG)],
    )  # fmt: skip
    html = report.write(data, tmp_path / "r.html").read_text()
    assert "RolledBack" in html and "alarm fired" in html
    assert "test:accuracy" in html and "0.9300" in html
    assert html.count("<img") == 1 and "&quot;live_config&quot;: &quot;old&quot;" in html


def _exited(name: str, state: dict[str, object]) -> dict[str, object]:
    return {
        "type": "PassStateExited",
        "timestamp": "2026-11-24T01:00:06+00:00",
        "stateExitedEventDetails": {"name": name, "output": json.dumps(state)},
    }


GATE = {
    "name": "test:RMSE", "value": 0.38, "threshold": 0.5,
    "baseline": "naive_last_30", "margin": 0.01, "baseline_value": 0.34, "bar": 0.33,
}  # fmt: skip


def test_the_gate_figures_are_the_last_the_execution_held() -> None:
    events = [
        *EVENTS,
        _exited("PickMetric", {"gate": {"metric": {**GATE, "value": 0.5}}}),
        _exited(
            "ReadDeploymentRecord",
            {
                "gate": {"metric": GATE},
                "deployed": {"document": {"metric": {"name": "test:RMSE", "value": 0.31}}},
            },
        ),
        {"type": "ExecutionFailed", "timestamp": "2026-11-24T01:00:07+00:00"},
    ]
    figures = timeline.gate_figures(events)
    assert figures is not None and figures.metric == GATE and figures.live == 0.31
    other = {"deployed": {"document": {"metric": {"name": "mape", "value": 3.0}}}, "gate": {"metric": GATE}}
    assert timeline.gate_figures([_exited("X", other)]).live is None  # type: ignore[union-attr]
    assert timeline.gate_figures(EVENTS) is None


def test_the_gate_panel_puts_candidate_threshold_baseline_and_live_model_side_by_side(tmp_path: Path) -> None:
    data = report.ReportData(
        "power-forecasting", "run-1", "FAILED", 5.0, "QualityGateFailed", "does not beat", {}, None,
        timeline.spans(EVENTS), gate=timeline.GateFigures(GATE, 0.31),
    )  # fmt: skip
    html = report.write(data, tmp_path / "r.html").read_text()
    row = html.split("<table class='gate'>")[1].split("</table>")[0]
    for cell in (
        "test:RMSE",
        "0.3800",
        "0.5000",
        "naive_last_30 0.3400",
        "0.3300 (margin 0.01)",
        "0.3100",
        "failed",
    ):
        assert f"<td>{cell}</td>" in row, cell
    chosen = report.ReportData(
        "fraud-detection", "run-2", "SUCCEEDED", 5.0, None, None, {}, None, [],
        gate=timeline.GateFigures({**GATE, "value": 0.3}, None, "xgboost"),
    )  # fmt: skip
    assert "<td>passed: xgboost deployed</td>" in report.render(chosen)
    unreached = report.ReportData("c", "r", "FAILED", 1.0, "StepFailed", "x", {}, None, [])
    assert "the gate was not reached" in report.render(unreached)
