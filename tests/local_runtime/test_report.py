"""The run report: built from hand-made ReportData and small real ASL definitions, rendered through
the Jinja2 templates, checked on the page's structure (the SVG parsed as XML, the panels' cells)."""

from __future__ import annotations

import io
import json
import re
import tarfile
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local_runtime import report, timeline
from local_runtime.report import asl, deployment, gantt, graph, page, tuning
from local_runtime.report.model import Plot, ReportData

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\nfake"
SVG = "{http://www.w3.org/2000/svg}"


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def entered(name: str, kind: str, seconds: float) -> dict[str, Any]:
    return {
        "type": f"{kind}StateEntered",
        "timestamp": at(seconds),
        "stateEnteredEventDetails": {"name": name},
    }


def exited(name: str, kind: str, seconds: float, output: object = None) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name}
    if output is not None:
        details["output"] = json.dumps(output)
    return {"type": f"{kind}StateExited", "timestamp": at(seconds), "stateExitedEventDetails": details}


def failed(seconds: float, error: str, cause: str) -> dict[str, Any]:
    return {
        "type": "TaskFailed",
        "timestamp": at(seconds),
        "taskFailedEventDetails": {"error": error, "cause": cause},
    }


EVENTS = [
    entered("A", "Task", 0),
    exited("A", "Task", 3),
    entered("B", "Task", 3),
    failed(4, "States.TaskFailed", "boom"),
    entered("A", "Task", 5),
]

# A small machine with every kind of link: Next, Choices/Default, Catch, a Parallel's branches, a Map.
DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Next": "Train"},
        "Train": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
            "Next": "Good?",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Notify"}],
        },
        "Good?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Both"}],
            "Default": "TooWeak",
        },
        "TooWeak": {"Type": "Fail", "Error": "QualityGateFailed"},
        "Both": {
            "Type": "Parallel",
            "Next": "EachShard",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
            ],
        },
        "EachShard": {
            "Type": "Map",
            "Next": "Done",
            "ItemProcessor": {"StartAt": "Shard", "States": {"Shard": {"Type": "Pass", "End": True}}},
        },
        "Done": {"Type": "Succeed"},
        "Notify": {"Type": "Pass", "Next": "Failed"},
        "Failed": {"Type": "Fail"},
    },
}


def test_spans_follow_visits_in_order_and_keep_the_failure() -> None:
    spans = timeline.spans(EVENTS)
    assert [(s.name, s.seconds, s.failed, s.kind) for s in spans] == [
        ("A", 3.0, False, "Task"),
        ("B", None, True, "Task"),
        ("A", None, False, "Task"),
    ]
    assert (spans[1].error, spans[1].cause) == ("States.TaskFailed", "boom")


def test_an_expected_failure_is_not_a_failure() -> None:
    events = [
        entered("FindEndpoint", "Task", 0),
        failed(1, "SageMaker.ValidationException", 'Could not find endpoint "arn:...".'),
        entered("EndpointExists", "Choice", 1),
    ]
    find = timeline.spans(events)[0]
    assert not find.failed and find.expected == "no endpoint yet: the first deployment creates it"


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
    plots = report.collect_plots(tmp_path, [ours])
    assert [p.name for p in plots] == [
        "bucket/runs/case/run-1/output.tar.gz:boundary.png",
        "bucket/runs/case/run-1/report/pr.png",
    ]
    assert [p.caption for p in plots] == ["output.tar.gz > boundary.png", "report/pr.png"]


def test_the_graph_has_every_state_and_every_link_of_the_definition() -> None:
    shape = asl.structure(DEFINITION)
    assert set(shape.kinds) == {*DEFINITION["States"], "Left", "Right", "Shard"}  # type: ignore[misc]
    links = {(link.source, link.target, link.kind) for link in shape.links}
    assert {
        ("Prepare", "Train", "next"),
        ("Good?", "Both", "choice"),
        ("Good?", "TooWeak", "choice"),
        ("Train", "Notify", "catch"),
        ("Both", "Left", "branch"),
        ("Right", "EachShard", "branch"),  # a branch's last state leads on to the Parallel's Next
        ("EachShard", "Shard", "branch"),
        ("Shard", "Done", "branch"),
    } <= links
    assert shape.handlers == {"Notify"}


def _svg(html: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg .*?</svg>", html, re.S).group(0))  # type: ignore[union-attr]


def _states(svg: ET.Element) -> dict[str, str]:
    return {g.get("data-state", ""): g.get("class", "") for g in svg.iter(f"{SVG}g") if g.get("data-state")}


def test_the_drawing_highlights_the_path_taken_and_marks_the_failed_state() -> None:
    events = [entered("Prepare", "Pass", 0), exited("Prepare", "Pass", 0.1), entered("Train", "Task", 0.1)]
    events += [failed(2, "SageMaker.ResourceLimitExceeded", "no capacity"), entered("Notify", "Pass", 2)]
    events += [exited("Notify", "Pass", 2.1), entered("Failed", "Fail", 2.1)]
    spans = timeline.spans(events)
    data = ReportData(
        "c", "run-1", "FAILED", 2.1, "SageMaker.ResourceLimitExceeded", "no capacity", spans=spans,
        graph=graph.draw(DEFINITION, [s.name for s in spans], {"Train": "failed", "Failed": "failed"}),
    )  # fmt: skip
    states = _states(_svg(report.render(data)))
    assert set(states) == set(asl.structure(DEFINITION).kinds)
    assert states["Prepare"] == states["Notify"] == "state visited"
    assert states["Train"] == states["Failed"] == "state failed"
    assert states["Done"] == states["Left"] == "state idle"
    drawing = data.graph
    assert drawing is not None
    taken = [a for a in drawing.arrows if a.taken]
    assert {a.kind for a in taken} == {"next", "handler"} and len(taken) == 3  # Prepare>Train>Notify>Failed
    for node in drawing.nodes:  # every box inside the drawing
        assert node.x >= 0 and node.x + node.width <= drawing.width and node.y + 28 <= drawing.height


GATE = {
    "name": "test:RMSE", "value": 0.38, "threshold": 0.5,
    "baseline": "naive_last_30", "margin": 0.01, "baseline_value": 0.34, "bar": 0.33,
}  # fmt: skip


def test_the_gate_figures_are_the_last_the_execution_held() -> None:
    events = [
        *EVENTS,
        exited("PickMetric", "Pass", 6, {"gate": {"metric": {**GATE, "value": 0.5}}}),
        exited(
            "ReadDeploymentRecord",
            "Task",
            6,
            {
                "gate": {"metric": GATE},
                "deployed": {"document": {"metric": {"name": "test:RMSE", "value": 0.31}}},
            },
        ),
        {"type": "ExecutionFailed", "timestamp": at(7)},
    ]
    figures = timeline.gate_figures(events)
    assert figures is not None and figures.metric == GATE and figures.live == 0.31
    other = {"deployed": {"document": {"metric": {"name": "mape", "value": 3.0}}}, "gate": {"metric": GATE}}
    assert timeline.gate_figures([exited("X", "Pass", 0, other)]).live is None  # type: ignore[union-attr]
    assert timeline.gate_figures(EVENTS) is None


def _cells(html: str, section: str) -> list[str]:
    part = html.split(f'<section id="{section}">')[1].split("</section>")[0]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", part, re.S)]


def test_the_gate_panel_puts_candidate_threshold_baselines_and_live_model_side_by_side() -> None:
    data = ReportData(
        "power-forecasting", "run-1", "FAILED", 5.0, "QualityGateFailed", "does not beat",
        metrics={"baseline:naive_last_30:test:RMSE": 0.34, "baseline:seasonal:test:RMSE": 0.36},
        gate=timeline.GateFigures(GATE, 0.31),
    )  # fmt: skip
    cells = _cells(report.render(data), "gate")
    assert cells[:3] == ["test:RMSE", "0.3800", "0.5000"]
    assert "naive_last_30 0.3400 (the gate's)" in cells[3] and "seasonal 0.3600" in cells[3]
    assert cells[4:] == ["0.3300 (margin 0.01)", "0.3100", "failed"]
    chosen = ReportData(
        "fraud-detection",
        "run-2",
        "SUCCEEDED",
        5.0,
        gate=timeline.GateFigures({**GATE, "value": 0.3}, None, "xgboost"),
    )
    assert _cells(report.render(chosen), "gate")[-2:] == ["none deployed", "passed: xgboost deployed"]
    unreached = ReportData("c", "r", "FAILED", 1.0, "StepFailed", "x")
    assert "the gate was not reached" in report.render(unreached)


class Jobs:
    """Describe* answers by kind and name, as `LocalSageMaker.jobs` keeps them."""

    def __init__(self, *jobs: tuple[str, dict[str, Any]]) -> None:
        self.jobs = {(kind, job[f"{kind}Name"]): job for kind, job in jobs}

    def names(self, kind: str) -> list[str]:
        return [name for k, name in self.jobs if k == kind]

    def describe(self, kind: str, name: str) -> dict[str, Any]:
        return self.jobs[(kind, name)]


def _trial(name: str, lr: str, value: float | None) -> dict[str, Any]:
    summary: dict[str, Any] = {"TrainingJobName": name, "TrainingJobStatus": "Completed"}
    summary["TunedHyperParameters"] = {"lr": lr}
    if value is not None:
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "MetricName": "validation:auc",
            "Value": value,
        }
    else:
        summary.update(TrainingJobStatus="Failed", FailureReason="AlgorithmError: diverged")
    return summary


TUNING = (
    "HyperParameterTuningJob",
    {
        "HyperParameterTuningJobName": "tune-xgb",
        "CreationTime": T0,
        "HyperParameterTuningJobConfig": {
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"}
        },
        "BestTrainingJob": {"TrainingJobName": "tune-xgb-001"},
        "LocalTrainingJobSummaries": [
            _trial("tune-xgb-000", "0.3", 0.91),
            _trial("tune-xgb-001", "0.1", 0.95),
            _trial("tune-xgb-002", "9", None),
        ],
    },
)


def test_the_tuning_panel_lists_every_trial_and_marks_the_best_whose_plots_lead() -> None:
    tunings = tuning.tunings(Jobs(TUNING), since=T0.timestamp())
    plots = [Plot("b/runs/c/r/xgb/tune-xgb-000/roc.png", PNG, "tune-xgb-000")]
    plots += [Plot("b/runs/c/r/xgb/tune-xgb-001/roc.png", PNG, "tune-xgb-001")]
    html = report.render(ReportData("fraud-detection", "r", "SUCCEEDED", 1.0, tuning=tunings, plots=plots))
    rows = re.findall(r"<tr class=\"(best)?\">(.*?)</tr>", html.split('id="tuning"')[1], re.S)
    assert [("best" if best else "") for best, _ in rows] == ["", "best", ""]
    assert [re.findall(r"\d\.\d{4}|—", r)[-1] for _, r in rows] == ["0.9100", "0.9500", "—"]
    assert "AlgorithmError: diverged" in rows[2][1]
    main, collapsed = html.split("<details>")
    assert "trial tune-xgb-001" in main and "trial tune-xgb-000" not in main
    assert "trial tune-xgb-000" in collapsed
    assert not tuning.tunings(Jobs(TUNING), since=T0.timestamp() + 1)


def _poll(seconds: float, status: str, live: str, share: float | None, **extra: Any) -> list[dict[str, Any]]:
    described: dict[str, Any] = {"EndpointStatus": status, "EndpointConfigName": live, **extra}
    if share is not None:
        described["PendingDeploymentSummary"] = {"ProductionVariants": [{"CurrentWeight": share}]}
    return [
        entered("DescribeEndpoint", "Task", seconds),
        {
            "type": "TaskSucceeded",
            "timestamp": at(seconds),
            "taskSucceededEventDetails": {"resource": "describeEndpoint", "output": json.dumps(described)},
        },
    ]


ALARMS = {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "ep-5xx"}, {"AlarmName": "ep-latency"}]}}
ROLLED_BACK = "Rolled back the update: CloudWatch alarm(s) ep-5xx went into ALARM state on the new fleet"


def test_the_deployment_panel_summarizes_the_canary_and_its_outcome() -> None:
    update = {"EndpointName": "ep", "EndpointConfigName": "new"}
    events = _poll(0, "InService", "old", None)  # FindEndpoint
    events.append(
        {
            "type": "TaskScheduled",
            "timestamp": at(1),
            "taskScheduledEventDetails": {"resource": "updateEndpoint", "parameters": json.dumps(update)},
        }
    )
    for t in (2, 3, 4):
        events += _poll(t, "Updating", "old", 0.5, LastDeploymentConfig=ALARMS)
    events += _poll(5, "InService", "old", None, LastDeploymentConfig=ALARMS, FailureReason=ROLLED_BACK)
    events.append(entered("DeploymentRolledBack", "Pass", 5))
    summary = deployment.summarize(events, timeline.spans(events), "cause")
    assert summary is not None
    assert (summary.action, summary.old_config, summary.new_config) == ("update", "old", "new")
    assert [(p.status, p.share, p.polls) for p in summary.phases] == [
        ("Updating", 0.5, 3),
        ("InService", 0.0, 1),
    ]
    assert summary.outcome == "RolledBack" and summary.reason == ROLLED_BACK
    assert list(summary.alarms) == [("ep-5xx", "ALARM"), ("ep-latency", "OK")]
    cause = f"the new config is not live. FailureReason: {ROLLED_BACK}."
    cause += f" LastDeploymentConfig: {json.dumps(ALARMS)}"
    failed_run = ReportData("c", "r", "FAILED", 6.0, "RolledBack", cause, deployment=summary)
    assert failed_run.headline == f"RolledBack: the new config is not live. FailureReason: {ROLLED_BACK}."
    html = report.render(failed_run)
    cells = _cells(html, "deployment")
    assert cells[:5] == ["1.0", "3.0", "Updating", "50%", "3"] and "ALARM" in cells
    assert html.count("DescribeEndpoint") == 0  # summarized, not the raw polls
    assert deployment.summarize(EVENTS, timeline.spans(EVENTS), None) is None


def test_a_first_deployment_creates_the_endpoint_and_writes_its_record() -> None:
    create = {"EndpointName": "ep", "EndpointConfigName": "new"}
    events = [
        {
            "type": "TaskScheduled",
            "timestamp": at(0),
            "taskScheduledEventDetails": {"resource": "createEndpoint", "parameters": json.dumps(create)},
        }
    ]
    events += (
        _poll(1, "Creating", "new", None)
        + _poll(2, "Creating", "new", None)
        + _poll(3, "InService", "new", None)
    )
    record = {"model_name": "m-1", "model_step": "mlp", "metric": {"name": "test:accuracy", "value": 0.93}}
    put = {"Bucket": "artifacts", "Key": "deployments/c/record.json", "Body": json.dumps(record)}
    events += [entered("NewConfigLive", "Pass", 3), entered("WriteDeploymentRecord", "Task", 3)]
    events.append(
        {
            "type": "TaskScheduled",
            "timestamp": at(3),
            "taskScheduledEventDetails": {"resource": "putObject", "parameters": json.dumps(put)},
        }
    )
    summary = deployment.summarize(events, timeline.spans(events), None)
    assert summary is not None and (summary.action, summary.outcome) == ("create", "NewConfigLive")
    assert [(p.status, p.share, p.polls) for p in summary.phases] == [
        ("Creating", None, 2),
        ("InService", 1.0, 1),
    ]
    assert summary.record == record and not summary.alarms and summary.reason is None
    html = report.render(ReportData("c", "r", "SUCCEEDED", 3.0, deployment=summary))
    assert "model <code>m-1</code> (mlp), test:accuracy 0.9300" in html


def test_timeline_bars_are_proportional_and_never_vanish() -> None:
    events = [entered("Train", "Task", 0), exited("Train", "Task", 100)]
    events += [entered("Choose", "Choice", 100), exited("Choose", "Choice", 100)]  # instant
    for t in (100.0, 101.0):
        events += [entered("Wait", "Wait", t), exited("Wait", "Wait", t + 0.6)]
    chart = gantt.chart(timeline.spans(events), time_scale=0.01)
    train, choose, wait = chart.rows
    assert train.bars[0].width == pytest.approx(100 * 100 / 101.6, abs=0.01)
    assert choose.bars[0].width == gantt.MIN_WIDTH and choose.bars[0].left == pytest.approx(
        100 * 100 / 101.6, abs=0.01
    )
    assert len(wait.bars) == 2 and wait.label == "2 visits · 1.20 s (≈120 s in AWS)"
    html = report.render(ReportData("c", "r", "SUCCEEDED", 101.6, spans=timeline.spans(events)))
    widths = [float(w) for w in re.findall(r'class="bar[^"]*" style="left:[\d.]+%;width:([\d.]+)%"', html)]
    assert len(widths) == 4 and min(widths) > 0


def test_a_failed_run_leads_with_its_reason_and_escapes_what_users_wrote() -> None:
    nasty = "<script>alert(1)</script> & 'quotes'"
    data = ReportData(
        "c", f"run-{nasty}", "FAILED", 1.0, "States.TaskFailed", f"line one {nasty}\nline two",
        metrics={nasty: 1.0}, plots=[Plot(f"b/runs/c/r/{nasty}.png", PNG)],
    )  # fmt: skip
    html = report.render(data)
    assert (
        "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;quotes&#39;" in html
    )
    body = html.split("<body>")[1]
    assert body.index('id="failure"') < body.index('id="graph"' if 'id="graph"' in body else 'id="gate"')
    assert f"States.TaskFailed: line one {nasty}".replace("<", "&lt;").replace(">", "&gt;")[:40] in html
    payload = {"ProcessingJobName": "p-1", "FailureReason": "InputError: train.csv, row 2"}
    events = [entered("Preprocess", "Task", 0), failed(1, "States.TaskFailed", json.dumps(payload))]
    events += [entered("PipelineFailed", "Fail", 1)]
    cause = f"States.TaskFailed: {json.dumps(payload)}"  # as the workflow's failure handler passes it on
    unpacked = ReportData("c", "r", "FAILED", 1.0, "StepFailed", cause, spans=timeline.spans(events))
    assert unpacked.headline == "Preprocess failed (StepFailed): InputError: train.csv, row 2"
    assert '\n  "ProcessingJobName": "p-1",' in unpacked.cause_details
    given = ReportData("c", "r", "FAILED", 1.0, "E", "cause", failure_reason="Training ran out of memory")
    assert '<p class="reason">Training ran out of memory</p>' in report.render(given)
    assert report.render(ReportData("c", "r", "SUCCEEDED", 1.0)).count('id="failure"') == 0


def test_the_report_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "reports" / "r.html"
    report.write(ReportData("c", "first", "SUCCEEDED", 1.0), target)
    assert "first" in target.read_text()

    def broken(data: ReportData) -> str:
        raise RuntimeError("template error")

    monkeypatch.setattr(page, "render", broken)
    with pytest.raises(RuntimeError):
        report.write(ReportData("c", "second", "SUCCEEDED", 1.0), target)
    monkeypatch.undo()

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # killed between writing and renaming

    monkeypatch.setattr(page.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report.write(ReportData("c", "third", "SUCCEEDED", 1.0), target)
    assert "first" in target.read_text() and "</html>" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["r.html"]  # no temporary file left behind


def test_collect_gathers_a_failed_run_from_its_events_jobs_and_files(tmp_path: Path) -> None:
    run_dir = tmp_path / "bucket" / "runs" / "c" / "run-1"
    (run_dir / "evaluate").mkdir(parents=True)
    (run_dir / "evaluate" / "pr.png").write_bytes(PNG)
    job = {
        "TrainingJobName": "train-1", "CreationTime": T0, "TrainingJobStatus": "Failed",
        "FailureReason": "AlgorithmError: loss is NaN", "ResourceConfig": {"InstanceType": "ml.m5.large"},
    }  # fmt: skip
    earlier = {**job, "TrainingJobName": "old", "CreationTime": T0 - timedelta(days=1)}  # another run's
    events = [entered("Prepare", "Pass", 0), exited("Prepare", "Pass", 0), entered("Train", "Task", 0)]
    events += [failed(2, "States.TaskFailed", json.dumps(job, default=str)), entered("Notify", "Pass", 2)]
    events += [exited("Notify", "Pass", 2), entered("Failed", "Fail", 2)]
    sources = report.Sources(
        "c", "run-1", "FAILED", 2.0, "StepFailed", "Train failed", {}, None,
        definition=json.dumps(DEFINITION), events=events,
        jobs=Jobs(("TrainingJob", job), ("TrainingJob", earlier)),
        s3_root=tmp_path, run_dirs=[run_dir], since=T0.timestamp(), time_scale=0.01,
    )  # fmt: skip
    data = report.collect(sources)
    assert data.failed_job is not None and data.failed_job.name == "train-1"
    assert ("instance", "ml.m5.large") in data.failed_job.fields
    assert data.headline == "Train failed (StepFailed): AlgorithmError: loss is NaN"
    assert [p.caption for p in data.plots] == ["evaluate/pr.png"]
    assert not data.tuning and data.deployment is None
    assert data.graph is not None
    assert {n.name: n.status for n in data.graph.nodes if n.status != "idle"} == {
        "Prepare": "visited", "Train": "failed", "Notify": "visited", "Failed": "failed",
    }  # fmt: skip
    html = report.write(data, tmp_path / "r.html").read_text()
    assert html.index('id="failure"') < html.index('id="graph"') < html.index('id="timeline"')
