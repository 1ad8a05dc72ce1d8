"""Runs one case study's synthesized state machine end to end on this machine.

Synthesize (or reuse) the app, resolve the case's state machine to local names, stage the code
assets and the raw data into local S3, then let moto's ASL interpreter execute it against the local
SageMaker and endpoints. Everything a run leaves is under the workdir:
`s3/` (buckets), `jobs/` (per-job /opt/ml folders and logs), `endpoints/`, `executions/`, `reports/`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_runtime import bundled_data, cases, failure_reason, report, timeline
from local_runtime.assembly import Assembly, synthesize
from local_runtime.cfn import LOCAL_REGION, Resolver
from local_runtime.contracts.calls import CallGuard
from local_runtime.contracts.iam import UnsupportedPolicy
from local_runtime.contracts.permissions import Authorizer, Lookups, RoleS3Access
from local_runtime.contracts.policies import Policies
from local_runtime.destroy import owns
from local_runtime.endpoints import host
from local_runtime.endpoints.clock import DEFAULT_TIME_SCALE, ScaledClock
from local_runtime.endpoints.controller import EndpointController
from local_runtime.endpoints.template_alarms import alarms_from_template
from local_runtime.errors import ContractViolation, DamagedState
from local_runtime.reaper import reap, reaper
from local_runtime.s3 import LocalS3
from local_runtime.sagemaker import LocalSageMaker
from local_runtime.sagemaker.progress import Progress
from local_runtime.samples import sample_request
from stacks.case_study import CaseStudy

BASELINE = "baseline"  # metrics of a baseline model, scored beside the candidate: baseline:<model>:<metric>


@dataclass
class CaseRun:
    case: str
    status: str
    execution: str
    duration_s: float
    error: str | None = None
    cause: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    endpoint: dict[str, Any] | None = None
    report: str | None = None
    states: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    failure: failure_reason.Failure | None = None
    gate: dict[str, Any] | None = None  # what the quality gate compared: name, value, threshold (, bar)

    @property
    def failure_reason(self) -> str | None:
        """One line: what failed, where, in the user's terms, then the report and the job's log."""
        return self.failure.line(self.report) if self.failure else None

    def to_json(self) -> dict[str, Any]:
        keys = (
            "case",
            "status",
            "error",
            "cause",
            "failure_reason",
            "execution",
            "gate",
            "duration_s",
            "metrics",
            "endpoint",
            "report",
        )
        out = {k: getattr(self, k) for k in keys}
        return {
            k: v for k, v in out.items() if v is not None or k not in ("error", "cause", "failure_reason")
        }


def load_assembly(workdir: Path, assembly_dir: Path | None = None) -> tuple[Assembly, Resolver]:
    """The synthesized app: `assembly_dir` as it is, or a fresh synth of this checkout in the workdir
    (a cached synth that cannot be read, e.g. a truncated template, is synthesized again)."""
    if assembly_dir is not None:
        assembly = Assembly.read(assembly_dir)
    else:
        try:
            assembly = Assembly.read(synthesize(workdir / "cdk.out"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(
                f"warning: the cached synth in {workdir / 'cdk.out'} is damaged ({exc}): synthesizing again",
                file=sys.stderr,
            )
            shutil.rmtree(workdir / "cdk.out", ignore_errors=True)
            assembly = Assembly.read(synthesize(workdir / "cdk.out"))
    return assembly, Resolver(assembly.templates, region=LOCAL_REGION)


def _metrics(sagemaker: LocalSageMaker, run_dirs: list[Path], since: float) -> dict[str, float]:
    """The deployed candidate's figures: its training job's final metrics, overlaid by evaluation.json."""
    metrics: dict[str, float] = {}
    jobs = sagemaker.jobs
    tuned = [jobs.describe("HyperParameterTuningJob", n) for n in jobs.names("HyperParameterTuningJob")]
    tuned = [t for t in tuned if t["CreationTime"].timestamp() >= since and "BestTrainingJob" in t]
    trainings = [jobs.describe("TrainingJob", n) for n in jobs.names("TrainingJob")]
    trainings = [t for t in trainings if t["CreationTime"].timestamp() >= since]
    # every tuning job's best trial (a case may tune several candidates) and every plain training job
    best = {t["BestTrainingJob"]["TrainingJobName"] for t in tuned}
    trainings = [t for t in trainings if t["TrainingJobName"] in best or "TuningJobArn" not in t]
    for job in trainings:
        metrics.update({m["MetricName"]: float(m["Value"]) for m in job.get("FinalMetricDataList", [])})
    for path in sorted(p for run_dir in run_dirs for p in run_dir.rglob("evaluation.json")):
        evaluation = json.loads(path.read_text())
        values = evaluation.get("metrics", {})
        metrics.update({k: float(v) for k, v in values.items() if isinstance(v, int | float)})
        for model, scored in (evaluation.get("baselines") or {}).items():  # `baseline:<model>:<metric>`
            metrics.update(
                {f"{BASELINE}:{model}:{k}": float(v) for k, v in scored.items() if isinstance(v, int | float)}
            )
    return metrics


def run_case(
    case_or_id: CaseStudy | str,
    *,
    workdir: Path,
    data_dir: Path = bundled_data.DEFAULT_DATA_DIR,
    progress: Progress | None = None,
    time_scale: float = DEFAULT_TIME_SCALE,
    start_input: dict[str, Any] | None = None,
    assembly_dir: Path | None = None,
    execution_name: str | None = None,
) -> CaseRun:
    from local_runtime.execution import run_state_machine  # moto's interpreter: only to run
    from local_runtime.moto_time import scaled_waits

    workdir = workdir.resolve()
    case = cases.find(case_or_id)
    for line in reap(workdir):  # what runs killed earlier left behind
        print(f"recovered: {line}", file=sys.stderr)
    case_id = case.id
    assembly, resolver = load_assembly(workdir, assembly_dir)
    stack = cases.stack_id(case)
    authorizer = Authorizer(
        Policies.from_templates(assembly.templates, resolver),
        Lookups(endpoint_config_key=lambda name: endpoints.configs.get(name, {}).get("KmsKeyId")),
    )
    s3 = LocalS3(workdir / "s3", access=RoleS3Access(authorizer))
    assembly.stage_assets(s3, resolver)
    outputs = assembly.outputs(stack, resolver)
    raw = s3.path(str(outputs["RawDataUri"]))
    shutil.rmtree(raw, ignore_errors=True)  # the run reads exactly the data staged now
    staged = bundled_data.stage_raw_data(case, data_dir, raw)

    endpoint_name = str(outputs["EndpointName"])
    host_url = host.find(workdir)  # `serve` hosts the workdir: deploy where the user's traffic goes
    controller_kwargs: dict[str, Any] = {
        "alarms": alarms_from_template(assembly.templates[stack]),
        "clock": ScaledClock(time_scale),
        "traffic": lambda name: sample_request(case, s3.root),
    }
    endpoints = (
        host.HostedEndpoints(workdir, s3, host_url, **controller_kwargs)
        if host_url
        else EndpointController(workdir, s3, **controller_kwargs)
    )
    _check_state(case, endpoint_name, endpoints)
    stack_alarms = [a for a in authorizer.policies.alarm_actions if _in_stack(assembly, resolver, stack, a)]
    try:
        blocked = authorizer.alarm_notification_problems(stack_alarms)
    except UnsupportedPolicy as exc:
        raise ContractViolation("local mode cannot evaluate a policy of this app", [str(exc)]) from None
    if blocked:
        raise ContractViolation("endpoint alarms cannot send their notifications", blocked)
    guard = CallGuard(authorizer, assembly.state_machine_role(stack, resolver))
    name = (
        execution_name or f"{case_id}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{int(time.time() * 1000) % 1000:03d}"
    )
    sagemaker = LocalSageMaker(workdir, s3, endpoints, region=LOCAL_REGION, progress=progress, execution=name)
    started = time.time()
    try:
        with scaled_waits(time_scale), reaper(workdir):
            result = run_state_machine(
                assembly.state_machine(stack, resolver),
                start_input or {},
                workdir=workdir,
                sagemaker=sagemaker,
                s3=s3,
                progress=progress,
                name=name,
                guard=guard,
            )
        deployed = endpoint_name in endpoints.endpoint_names()
        live = endpoints.describe_endpoint({"EndpointName": endpoint_name}) if deployed else None
    finally:
        endpoints.close()
    duration = time.time() - started
    run_dirs = sorted(s3.root.glob(f"*/runs/{case_id}/{name}"))  # this execution's artifacts only
    run = CaseRun(
        case=case_id,
        status=result.status,
        execution=name,
        duration_s=round(duration, 2),
        error=result.error,
        cause=result.cause,
        metrics=_metrics(sagemaker, run_dirs, started),
        endpoint=_endpoint_summary(live, host_url),
        notifications=result.notifications,
        gate=figures.metric if (figures := timeline.gate_figures(result.events)) else None,
    )
    if result.status != "SUCCEEDED":
        run.failure = failure_reason.explain(
            case,
            result.events,
            error=result.error,
            cause=result.cause,
            workdir=workdir,
            sources=failure_reason.raw_sources(case, data_dir.resolve(), staged),
            jobs=_failed_jobs(sagemaker, started),
        )
    spans = timeline.spans(result.events)
    run.states = [{"state": s.name, "seconds": s.seconds, "failed": s.failed} for s in spans]
    sources = report.Sources(
        case_id, name, run.status, duration, run.error, run.cause, run.metrics, run.endpoint,
        definition=assembly.state_machine(stack, resolver), events=result.events, jobs=sagemaker.jobs,
        s3_root=s3.root, run_dirs=run_dirs, since=started, time_scale=time_scale,
        failure_reason=run.failure.line(None) if run.failure else None,
    )  # fmt: skip
    run.report = str(report.write(report.collect(sources), workdir / "reports" / f"{name}.html"))
    return run


def _failed_jobs(sagemaker: LocalSageMaker, since: float) -> list[dict[str, Any]]:
    """This run's failed jobs' descriptions (a failed tuning job's trials say why it failed)."""
    jobs = sagemaker.jobs
    described = [
        jobs.describe(kind, n) for kind in ("TrainingJob", "ProcessingJob") for n in jobs.names(kind)
    ]
    return [d for d in described if d.get("FailureReason") and d["CreationTime"].timestamp() >= since]


def _check_state(case: CaseStudy, endpoint_name: str, endpoints: EndpointController) -> None:
    """Refuse to run on damaged records of this case's endpoint resources (what the run would update
    is unknown); name the others, which this run does not need."""
    damaged = endpoints.damaged()
    ours = [d for d in damaged if owns(case, endpoint_name, d.path)]
    if ours:
        endpoints.close()
        listed = "\n  ".join(map(str, ours))
        raise DamagedState(
            f"{len(ours)} state file(s) of {case.id}'s endpoint cannot be read:\n  {listed}\n"
            f"Remove the case's endpoint resources with `python -m local_runtime destroy {case.id}` "
            "(its raw data, executions and reports stay), then run it again."
        )
    for record in damaged:
        print(f"warning: skipped a damaged state file of another case: {record}", file=sys.stderr)


def _in_stack(assembly: Assembly, resolver: Resolver, stack: str, alarm_arn: str) -> bool:
    names = {
        resolver.get_att(stack, logical_id, "Arn")
        for logical_id, r in assembly.templates[stack]["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    return alarm_arn in names


def _endpoint_summary(described: dict[str, Any] | None, host_url: str | None) -> dict[str, Any] | None:
    """The live endpoint; its URL is the running `serve`'s, or None when no host serves it yet."""
    if described is None:
        return None
    name = described["EndpointName"]
    return {
        "name": name,
        "status": described["EndpointStatus"],
        "live_config": described["EndpointConfigName"],
        "url": f"{host_url}/endpoints/{name}/invocations" if host_url else None,
        "failure_reason": described.get("FailureReason"),
    }
