"""What the command line prints: progress state by state, summaries, tables, endpoint calls, history."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local_runtime import cases, failure_reason, outcomes, retention, timeline
from local_runtime.assembly import SynthError
from local_runtime.bundled_data import DataError
from local_runtime.destroy import destroy as destroy_case
from local_runtime.destroy import owns
from local_runtime.endpoints import host
from local_runtime.endpoints.controller import EndpointController, EndpointNotFound
from local_runtime.endpoints.store import DamagedRecord, Store
from local_runtime.errors import ContractViolation, DamagedState
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker.progress import ProgressEvent
from stacks.case_parts import Direction
from stacks.case_study import CaseStudy

if TYPE_CHECKING:
    from local_runtime.pipeline import CaseRun


class UserError(Exception):
    """Something the user can fix (missing run, bad body, unknown execution); printed without a traceback."""


class Progress:
    """Prints one line per state entered or finished and per job event, with elapsed times."""

    def __init__(self, case: str, out: Any = None) -> None:
        self.case, self.out, self.start = case, out or sys.stdout, time.monotonic()
        self._entered: dict[str, float] = {}
        self._raised: dict[str, str | None] = {}  # state -> its expected outcome's meaning, if expected

    def __call__(self, event: ProgressEvent) -> None:
        clock = f"{time.monotonic() - self.start:7.1f}s"
        if event.source == "State":
            if event.phase == "entered":
                self._entered[event.name] = time.monotonic()
                return self._print(f"{clock}  > {event.name}")
            took = time.monotonic() - self._entered.get(event.name, time.monotonic())
            if event.phase == "failed":  # a Catch or Retry may still handle it: the next lines tell
                meaning = outcomes.expected(event.name, event.detail, None)
                self._raised[event.name] = meaning
                if meaning:
                    return self._print(f"{clock}      {outcomes.said(event.name, meaning)}")
                return self._print(f"{clock}  raised {event.name}: {event.detail}")
            if event.name in self._raised:
                if self._raised.pop(event.name):
                    return None  # the outcome line said it
                return self._print(f"{clock}      caught {event.name} after {took:.1f}s")
            return self._print(f"{clock}      ok {event.name} in {took:.1f}s")
        if event.source == "Execution":
            return self._print(f"{clock}  [{self.case}] execution {event.name} {event.phase} {event.detail}")
        self._print(f"{clock}      {event.source} {event.name}: {event.phase} {event.detail}".rstrip())

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def summary(run: CaseRun) -> None:
    """Right after a case's run: its status, why it failed, notifications, every metric."""
    print(f"\n{run.case}: {run.status} in {run.duration_s:.1f}s (execution {run.execution})")
    if run.failure_reason:  # the cause in full is in the report, the history and --json
        print(f"  {run.failure_reason}")
    for note in run.notifications:
        print(f"  notified: {str(note.get('Subject') or note.get('Message', ''))[:200]}")
    for name, value in sorted(run.metrics.items()):
        print(f"  {name:<36} {value:.4f}")
    if run.endpoint:  # how to reach it: the summary table at the end of the run
        ep = run.endpoint
        print(f"  endpoint {ep['name']}: {ep['status']}, live config {ep['live_config']}")
    print(flush=True)


def gate_line(case: str, gate: dict[str, Any] | None, metrics: dict[str, float]) -> str:
    """`metric value vs threshold`: what the run's gate compared, else the case config's bar."""
    config = cases.find(case).gate
    sign = ">=" if config.direction is Direction.MAXIMIZE else "<="
    if gate is None:  # the run stopped before the gate: the configured bar, and the figure if scored
        value = metrics.get(config.metric)
        shown = "not scored" if value is None else f"{value:.4f}"
        return f"{config.metric} {shown} (needs {sign} {config.threshold:g})"
    needs = f"{sign} {gate['threshold']:g}"
    if gate.get("bar") is not None:  # and beat the baseline by the margin
        needs += f" and {sign} {gate['bar']:.4f} = {gate['baseline']} {gate['baseline_value']:.4f}"
        needs += f" {'+' if sign == '>=' else '-'} {gate['margin']:g}"
    return f"{gate['name']} {gate['value']:.4f} (needs {needs})"


def summary_table(runs: list[CaseRun], workdir: Path) -> None:
    """The end of `run`: per case its status, its gate's figures, its report and how to reach its
    endpoint (a URL only while a `serve` hosts the workdir, else the commands that reach it)."""
    served = host.find(workdir.resolve())
    print(f"{'case':<26}{'status':<11}{'seconds':>8}  quality gate")
    for run in runs:
        gate = gate_line(run.case, run.gate, run.metrics)
        print(f"{run.case:<26}{run.status:<11}{run.duration_s:>8.1f}  {gate}")
        gate_metric = (run.gate or {}).get("name", cases.find(run.case).gate.metric)
        others = [k for k in cases.find(run.case).local.key_metrics if k in run.metrics and k != gate_metric]
        if others:
            print(f"{'':<47}also: " + ", ".join(f"{k}={run.metrics[k]:.4f}" for k in others))
        if run.failure_reason and len(runs) > 1:  # one case: its summary just above said it
            print(f"{'':<4}why:      {run.failure_reason}")
        print(f"{'':<4}report:   {run.report}")
        if run.endpoint:
            print(
                f"{'':<4}endpoint: {run.endpoint['name']} {run.endpoint['status']}: "
                f"`python -m local_runtime invoke {run.case}`"
            )
            if served:
                print(f"{'':<4}url:      {served}/endpoints/{run.endpoint['name']}/invocations")
            else:
                print(f"{'':<4}url:      none until `python -m local_runtime serve` hosts the workdir")
        else:
            print(f"{'':<4}endpoint: none deployed")
    sys.stdout.flush()


def list_cases(workdir: Path) -> int:
    from stacks.cases import ALL  # the CDK app's case studies, as data

    for case in ALL:
        steps = " -> ".join(step.name for step in case.steps)
        print(f"{case.id:<26}{case.description}\n{'':<26}steps: {steps}")
        print(f"{'':<26}gate: {gate_config(case)}")
        for line in last_outcome(case, workdir.resolve()):
            print(f"{'':<26}{line}")
    return 0


def gate_config(case: CaseStudy) -> str:
    """The case config's bar, e.g. `test:accuracy >= 0.9, and >= logistic_regression + 0.03`."""
    gate = case.gate
    sign = ">=" if gate.direction is Direction.MAXIMIZE else "<="
    beat = (
        f", and {sign} {gate.baseline} {'+' if sign == '>=' else '-'} {gate.margin:g}"
        if gate.baseline
        else ""
    )
    return f"{gate.metric} {sign} {gate.threshold:g}{beat}"


def last_outcome(case: CaseStudy, workdir: Path) -> list[str]:
    """The case's last execution in `workdir`: its status and why (a failure line or the expected
    outcomes it took), its gate's figures, and whether the case has an endpoint deployed."""
    records = sorted((workdir / "executions").glob(f"{case.id}-*.json"))
    if not records:
        return [f"last run: none in {workdir}"]
    try:
        record = _execution_record(records[-1])
    except UserError as exc:
        return [f"last run: {exc}"]
    events = record["events"]
    lines = [f"last run: {records[-1].stem} {record['status']}"]
    if record["status"] not in ("SUCCEEDED", "RUNNING"):
        lines.append(f"  {_failure_line(case, record, workdir, records[-1].stem)}")
    for failed in failure_reason.state_failures(events):
        if meaning := outcomes.expected(failed.state, failed.error, failed.cause):
            lines.append(f"  {outcomes.said(failed.state, meaning)}")
    figures = timeline.gate_figures(events)
    if figures is not None:
        lines.append(f"  gate: {gate_line(case.id, figures.metric, {})}")
    lines.append(f"  endpoint: {_deployed(case, workdir) or 'none deployed'}")
    return lines


def endpoint_record(case: CaseStudy, workdir: Path) -> dict[str, Any] | None:
    """The case's endpoint record in `workdir`, found without a synth: its live config is named after
    the case (what `destroy.owns` relies on)."""
    for path in sorted((workdir / "endpoints" / "endpoints").glob("*.json")):
        try:
            record = json.loads(path.read_text())
            config = str(record["EndpointConfigName"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(record, dict) and owns(case, path.stem, Path(config)):
            return {**record, "EndpointName": record.get("EndpointName", path.stem)}
    return None


def _deployed_name(case: CaseStudy, workdir: Path) -> str | None:
    record = endpoint_record(case, workdir)
    return str(record["EndpointName"]) if record else None


def _failure_line(case: CaseStudy, record: dict[str, Any], workdir: Path, execution: str) -> str:
    """The failed execution's one line, from its record (the user's --data-dir is not known here)."""
    events, error, cause = record["events"], record["error"], record["cause"]
    failure = failure_reason.explain(case, events, error=error, cause=cause, workdir=workdir)
    report = workdir / "reports" / f"{execution}.html"
    return failure.line(str(report) if report.is_file() else None)


def _deployed(case: CaseStudy, workdir: Path) -> str | None:
    """`<name> <status>` of the case's endpoint, if it has one."""
    record = endpoint_record(case, workdir)
    return f"{record['EndpointName']} {record.get('EndpointStatus', '')}".strip() if record else None


def last_outcomes(workdir: Path) -> int:
    """`history` without an execution: each case's last outcome."""
    for case in cases.ALL:
        print(f"{case.id} (gate: {gate_config(case)})")
        for line in last_outcome(case, workdir.resolve()):
            print(f"  {line}")
    return 0


def _endpoint_name(workdir: Path, case: str) -> str:
    """The endpoint the case's stack names (a synth of the app, cached in the workdir)."""
    from local_runtime.pipeline import load_assembly  # the runtime's whole import graph: only here

    try:
        assembly, resolver = load_assembly(workdir)
    except SynthError as exc:
        raise UserError(str(exc)) from exc
    return str(assembly.outputs(cases.stack_id(cases.find(case)), resolver)["EndpointName"])


def _request_body(body: str) -> bytes:
    """`--body`'s bytes (`@file` reads the file); a missing file or an empty body is a user error."""
    if body.startswith("@"):
        try:
            payload = Path(body[1:]).read_bytes()
        except OSError as exc:
            raise UserError(f"--body {body}: cannot read {body[1:]}: {exc.strerror or exc}") from None
        source = f"--body {body}: {body[1:]} is empty"
    else:
        payload, source = body.encode(), "--body is empty"
    if not payload.strip():
        raise UserError(f"{source}; an endpoint needs a request to answer")
    return payload


def invoke(case: str, workdir: Path, body: str | None, content_type: str, accept: str) -> int:
    """One request to the case's endpoint, hosted in this process: only that endpoint's model (and
    the libraries its handlers import) is loaded, not every endpoint of the workdir."""
    from local_runtime.samples import sample_request

    workdir = workdir.resolve()
    known = cases.find(case)
    payload = _request_body(body) if body is not None else b""
    service = _controller(workdir, case, restore=False)
    endpoint = _deployed_name(known, workdir) or _endpoint_name(workdir, case)
    for record in service.damaged():
        if owns(known, endpoint, record.path):
            service.close()
            raise UserError(f"a state file of {case}'s endpoint cannot be read: {record}{_recover(case)}")
    if endpoint not in service.endpoint_names():
        service.close()
        raise UserError(
            f"{case} has no endpoint in {workdir}. Run `python -m local_runtime run {case}` first."
        )
    if body is None:
        sample = sample_request(known, workdir / "s3")
        if sample is None:
            service.close()
            raise UserError(f"no sample request for {case}: pass --body")
        payload, content_type, accept = sample.body, sample.content_type, sample.accept
        print(f"sample request ({content_type}): {payload.decode(errors='replace')}", file=sys.stderr)
    try:
        status, answer, answer_type = service.invoke(endpoint, payload, content_type, accept)
    except EndpointNotFound as exc:
        raise UserError(f"{exc.message} Run `python -m local_runtime run {case}` first.") from None
    finally:
        service.close()
    print(answer.decode(errors="replace"), flush=True)
    print(f"({status}, {answer_type})", file=sys.stderr)
    return 0 if status < 400 else 1


def _recover(case: str) -> str:
    return (
        f"\nRemove {case}'s endpoint resources with `python -m local_runtime destroy {case}` "
        "(its raw data, executions and reports stay), then run it again."
    )


def _controller(workdir: Path, case: str = "<case>", *, restore: bool = True) -> EndpointController:
    """The workdir's endpoints, hosted in this process; user errors for a workdir without any.
    Without `restore`, no model is loaded until an endpoint is invoked."""
    try:
        if restore:
            return EndpointController.load(workdir)
        root = Store(workdir).settings().get("s3_root")
        if root is None:
            raise FileNotFoundError(f"no endpoints were ever created in {workdir}")
        return EndpointController(workdir, LocalS3(Path(root)))
    except FileNotFoundError as exc:
        raise UserError(f"{exc}; run `python -m local_runtime run {case}` first") from exc
    except DamagedRecord as exc:
        raise UserError(f"{exc}\nRun `python -m local_runtime run {case}` to rewrite it.") from exc


def serve(workdir: Path, port: int) -> int:
    from local_runtime.endpoints.frontend import HostRunning
    from local_runtime.endpoints.frontend import serve as serve_endpoints

    _controller(workdir.resolve()).close()  # the same checks as the host's, with the user's message
    try:
        serve_endpoints(workdir.resolve(), port)
    except HostRunning as exc:
        raise UserError(str(exc)) from None
    return 0


def destroy(case: str, workdir: Path) -> int:
    workdir = workdir.resolve()
    for known in cases.ALL if case == "all" else (cases.find(case),):
        removed = destroy_case(known, _endpoint_name(workdir, known.id), workdir)
        print(
            f"{known.id}: removed {len(removed)} endpoint resource(s) and S3 output folder(s) from {workdir}"
        )
        for path in removed:
            print(f"  {path.relative_to(workdir)}")
    return 0


def clean(workdir: Path, keep: int) -> int:
    pruned = retention.prune(workdir.resolve(), cases.ALL, keep)
    print(f"{workdir}: {pruned}; kept each case's last {keep} execution(s) and what live endpoints use")
    return 0


def history(workdir: Path, execution: str | None) -> int:
    if execution is None:
        return last_outcomes(workdir)
    path = workdir / "executions" / f"{execution}.json"
    if not path.is_file():
        known = sorted(p.stem for p in (workdir / "executions").glob("*.json"))[-10:]
        raise UserError(f"no execution {execution!r} in {workdir}; recent: {', '.join(known) or 'none'}")
    record = _execution_record(path)
    events: list[dict[str, Any]] = record["events"]
    first = datetime.fromisoformat(events[0]["timestamp"]) if events else None
    print(f"{'ID':>4}  {'Type':<28}{'Step':<28}{'Elapsed (ms)':>13}  Timestamp")
    state = ""
    for event in events:
        when = datetime.fromisoformat(event["timestamp"])
        details: Any = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        details = details if isinstance(details, dict) else {}
        step, kind, note = details.get("name", ""), event["type"], ""
        state = step or state
        meaning = kind == "TaskFailed" and outcomes.expected(
            state, details.get("error"), details.get("cause", "")
        )
        if meaning:  # the state machine's Catch expects it: an outcome, not a failed state
            step, kind, note = state, "ExpectedOutcome", f"  {outcomes.said(state, meaning)}"
        elapsed = int((when - first).total_seconds() * 1000) if first else 0
        print(f"{event['id']:>4}  {kind:<28}{step:<28}{elapsed:>13}  {when.isoformat()}{note}")
    print(
        f"\nstatus {record['status']}"
        + (f": {record['error']} — {record['cause']}" if record["error"] else "")
    )
    case = next((c for c in cases.ALL if execution.startswith(f"{c.id}-")), None)
    if case is not None:
        figures = timeline.gate_figures(events)
        if figures is not None:
            print(f"gate: {gate_line(case.id, figures.metric, {})}")
        else:
            print(f"gate: {gate_config(case)} (not reached)")
        if record["error"]:
            print(_failure_line(case, record, workdir, execution))
    return 0


def _execution_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_bytes().decode("utf-8"))
        problem = "" if isinstance(record, dict) else f"expected a JSON object, found {type(record).__name__}"
        if not problem:
            missing = [k for k in ("events", "status", "error", "cause") if k not in record]
            problem = f"missing {', '.join(missing)}" if missing else ""
        if not problem and not all(
            isinstance(e, dict) and {"id", "type", "timestamp"} <= set(e) for e in record["events"]
        ):
            problem = "an event lacks its id, type or timestamp"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"not valid JSON ({exc})"
    if problem:
        raise UserError(f"the execution record {path} cannot be read: {problem}")
    return dict(record)


USER_ERRORS = (UserError, DataError, SynthError, ContractViolation, DamagedState, cases.UnknownCase)
