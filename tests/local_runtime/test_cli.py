"""The command line's cheap paths: listing, history, and clear errors for what the user can fix."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from local_runtime import cases, console, outcomes
from local_runtime.cli import _parser, main
from local_runtime.pipeline import CaseRun
from local_runtime.reaper import this_process
from local_runtime.sagemaker.progress import ProgressEvent

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
    assert set(ok.to_json()) == {
        "case",
        "status",
        "execution",
        "gate",
        "duration_s",
        "metrics",
        "endpoint",
        "report",
    }
    failed = CaseRun("moon-classification", "FAILED", "x", 1.0, error="RolledBack", cause="alarm")
    assert failed.to_json()["error"] == "RolledBack" and failed.to_json()["cause"] == "alarm"


NOT_FOUND = ("SageMaker.ValidationException", 'Could not find endpoint "mlcases-dev-moons".')


def entered(event_id: int, name: str) -> dict[str, object]:
    return {
        "id": event_id,
        "type": "TaskStateEntered",
        "timestamp": "2026-11-24T01:00:03+00:00",
        "stateEnteredEventDetails": {"name": name},
    }


def test_an_expected_failure_is_an_outcome_in_progress_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    progress = console.Progress("moon-classification", out)
    progress(ProgressEvent("State", "FindEndpoint", "entered"))
    progress(ProgressEvent("State", "FindEndpoint", "failed", NOT_FOUND[0]))
    progress(ProgressEvent("State", "FindEndpoint", "exited"))
    progress(ProgressEvent("State", "Train", "entered"))
    progress(ProgressEvent("State", "Train", "failed", "States.TaskFailed"))
    progress(ProgressEvent("State", "Train", "exited"))
    lines = [line.split(maxsplit=1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "> FindEndpoint",
        "FindEndpoint: no endpoint yet: the first deployment creates it",
        "> Train",
        "raised Train: States.TaskFailed",
        "caught Train after 0.0s",
    ]

    failed = {"error": NOT_FOUND[0], "cause": NOT_FOUND[1], "resource": "describeEndpoint"}
    events = [
        *EVENTS,
        entered(4, "FindEndpoint"),
        {
            "id": 5,
            "type": "TaskFailed",
            "timestamp": "2026-11-24T01:00:04+00:00",
            "taskFailedEventDetails": failed,
        },
    ]
    record = {"status": "SUCCEEDED", "error": None, "cause": None, "events": events}
    (tmp_path / "executions").mkdir()
    (tmp_path / "executions" / "run-1.json").write_text(json.dumps(record))
    assert main(["history", "run-1", "--workdir", str(tmp_path)]) == 0
    row = capsys.readouterr().out.splitlines()[5]
    assert row.split()[:4] == ["5", "ExpectedOutcome", "FindEndpoint", "4000"]
    assert row.endswith("FindEndpoint: no endpoint yet: the first deployment creates it")
    assert "Failed" not in row


def test_a_not_found_with_another_cause_is_not_taken_for_the_first_deployment() -> None:
    assert outcomes.expected("FindEndpoint", NOT_FOUND[0], "Access denied") is None
    assert outcomes.expected("ReadDeploymentRecord", "S3.NoSuchKeyException", "")


ENDPOINT = {"name": "mlcases-dev-moons", "status": "InService", "live_config": "c", "url": None}
GATE = {"name": "test:accuracy", "value": 0.9267, "threshold": 0.9}
GATE |= {"baseline": "logistic_regression", "margin": 0.03, "baseline_value": 0.86, "bar": 0.89}


def test_the_summary_table_gives_the_gate_the_report_and_the_way_to_the_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics = {"test:accuracy": 0.9267, "test:log_loss": 0.17}
    ok = CaseRun("moon-classification", "SUCCEEDED", "x", 20.0, metrics=metrics, endpoint=ENDPOINT, gate=GATE)
    ok.report = "/w/reports/x.html"
    failed = CaseRun("fraud-detection", "FAILED", "y", 5.0, error="StepFailed", report="/w/reports/y.html")
    console.summary_table([ok, failed], tmp_path)
    out = capsys.readouterr().out
    assert (
        "moon-classification       SUCCEEDED      20.0  test:accuracy 0.9267 (needs >= 0.9 and >= 0.8900"
        in out
    )
    assert "= logistic_regression 0.8600 + 0.03)" in out
    assert "python -m local_runtime invoke moon-classification" in out and "/w/reports/x.html" in out
    assert "url:      none until `python -m local_runtime serve`" in out and "http" not in out
    threshold = cases.find("fraud-detection").gate.threshold
    assert (
        "fraud-detection           FAILED          5.0  " in out
        and f"not scored (needs >= {threshold:g})" in out
    )

    (tmp_path / "endpoints").mkdir()
    serving = {"url": "http://127.0.0.1:8099", "process": this_process()}
    (tmp_path / "endpoints" / "host.json").write_text(json.dumps(serving))
    console.summary_table([ok], tmp_path)
    assert (
        "url:      http://127.0.0.1:8099/endpoints/mlcases-dev-moons/invocations" in capsys.readouterr().out
    )


def subcommands() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.mark.parametrize("name", ["list", "run", "invoke", "serve", "history", "destroy", "clean"])
def test_every_option_has_help_that_shows_its_default(name: str) -> None:
    parser = subcommands()[name]
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{name} {action.dest} has no help"
        if action.option_strings:
            assert f"{' '.join(action.help.split())} (default: " in text, f"{name} {action.dest}"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["run", "all", "--time-scale", "-1"], "argument --time-scale: a factor > 0"),
        (["run", "all", "--time-scale", "0"], "argument --time-scale: a factor > 0"),
        (["run", "all", "--time-scale", "nan"], "argument --time-scale: a factor > 0"),
        (["serve", "--port", "0"], "argument --port: a TCP port from 1 to 65535, not 0"),
        (["serve", "--port", "70000"], "argument --port: a TCP port from 1 to 65535, not 70000"),
        (["run", "all", "--input", "[1, 2]"], "argument --input: a JSON object such as"),
        (["run", "all", "--input", "{nope"], "argument --input: not JSON"),
        (
            ["run", "all", "--data-dir", "/no/such/dir"],
            "argument --data-dir: /no/such/dir is not a directory",
        ),
        (["run", "all", "--keep-runs", "0"], "argument --keep-runs: keep at least the last execution"),
        (["clean", "--keep-runs", "0"], "argument --keep-runs: keep at least the last execution"),
    ],
)
def test_invalid_values_are_one_line_errors(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert said in err and err.splitlines()[-1].startswith("python -m local_runtime "), err
    assert "Traceback" not in err


def test_list_and_history_give_the_gate_and_each_cases_last_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = {"error": "States.TaskFailed", "cause": "{}"}
    events = [
        *EVENTS,
        entered(4, "FindEndpoint"),
        {
            "id": 5,
            "type": "TaskFailed",
            "timestamp": "2026-11-24T01:00:04+00:00",
            "taskFailedEventDetails": {"error": NOT_FOUND[0], "cause": NOT_FOUND[1]},
        },
        entered(6, "Train"),
        {
            "id": 7,
            "type": "TaskFailed",
            "timestamp": "2026-11-24T01:00:05+00:00",
            "taskFailedEventDetails": failed,
        },
    ]
    record = {"status": "FAILED", "error": "StepFailed", "cause": "States.TaskFailed: {}", "events": events}
    (tmp_path / "executions").mkdir()
    (tmp_path / "executions" / "moon-classification-20261124T010000-001.json").write_text(json.dumps(record))
    threshold = cases.find("moon-classification").gate.threshold
    for argv in (["list", "--workdir", str(tmp_path)], ["history", "--workdir", str(tmp_path)]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert f"gate: test:accuracy >= {threshold:g}" in out, out
        assert "last run: moon-classification-20261124T010000-001 FAILED" in out
        assert "moon-classification failed at Train: States.TaskFailed" in out
        assert "FindEndpoint: no endpoint yet: the first deployment creates it" in out
        assert "endpoint: none deployed" in out and f"last run: none in {tmp_path}" in out


@pytest.mark.parametrize("body", ["@missing.csv", "", "@empty.csv"])
def test_a_missing_or_empty_body_is_a_one_line_error(
    body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.csv").write_text("")
    assert main(["invoke", "moon-classification", "--workdir", str(tmp_path), "--body", body]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: --body"), err


def test_output_cut_short_by_a_closed_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    """`python -m local_runtime list | head -1`: the reader goes away, the command stops quietly."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "local_runtime", "list", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does after its line
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
