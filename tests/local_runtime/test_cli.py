"""The command line's cheap paths: listing, history, and clear errors for what the user can fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.cli import main
from local_runtime.pipeline import CaseRun

EVENTS = [
    {"id": 1, "type": "ExecutionStarted", "timestamp": "2026-11-24T01:00:00+00:00"},
    {
        "id": 2,
        "type": "TaskStateEntered",
        "timestamp": "2026-11-24T01:00:00.500000+00:00",
        "stateEnteredEventDetails": {"name": "Preprocess"},
    },
    {
        "id": 3,
        "type": "TaskStateExited",
        "timestamp": "2026-11-24T01:00:02+00:00",
        "stateExitedEventDetails": {"name": "Preprocess"},
    },
]


def test_list_names_the_four_case_studies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for case in ("population-segmentation", "fraud-detection", "moon-classification", "power-forecasting"):
        assert case in out


def test_history_prints_events_like_the_console(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = {"status": "SUCCEEDED", "error": None, "cause": None, "events": EVENTS}
    (tmp_path / "executions").mkdir()
    (tmp_path / "executions" / "run-1.json").write_text(json.dumps(record))
    assert main(["history", "run-1", "--workdir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "Type", "Step", "Elapsed", "(ms)", "Timestamp"]
    assert lines[2].split()[:4] == ["2", "TaskStateEntered", "Preprocess", "500"]
    assert lines[3].split()[:4] == ["3", "TaskStateExited", "Preprocess", "2000"]


def test_unknown_execution_and_missing_endpoints_are_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "nope", "--workdir", str(tmp_path)]) == 2
    assert "no execution 'nope'" in capsys.readouterr().err
    assert main(["serve", "--workdir", str(tmp_path)]) == 2
    assert "run `python -m local_runtime run <case>` first" in capsys.readouterr().err


def test_unknown_case_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "nope"])
    assert exc.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_json_summary_has_the_documented_keys() -> None:
    ok = CaseRun("moon-classification", "SUCCEEDED", "x", 1.0, metrics={"test:accuracy": 0.9})
    assert set(ok.to_json()) == {"case", "status", "execution", "duration_s", "metrics", "endpoint", "report"}
    failed = CaseRun("moon-classification", "FAILED", "x", 1.0, error="RolledBack", cause="alarm")
    assert failed.to_json()["error"] == "RolledBack" and failed.to_json()["cause"] == "alarm"
