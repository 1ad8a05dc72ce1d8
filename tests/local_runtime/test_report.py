"""The run report: the state timeline from the event history, metrics, plots, outcome."""

from __future__ import annotations

import io
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
