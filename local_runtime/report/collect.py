"""Gathers what one finished execution left into a `ReportData`: its events (and in them the
deployment record it wrote), its jobs' Describe* answers and its own run folders' plots."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_runtime import timeline
from local_runtime.report import asl, deployment, graph, tuning
from local_runtime.report.model import FailedJob, Plot, ReportData
from local_runtime.sagemaker.registry import FIELDS


@dataclass(frozen=True)
class Sources:
    """A finished execution, as `pipeline.run_case` has it."""

    case: str
    execution: str
    status: str
    duration_s: float
    error: str | None
    cause: str | None
    metrics: Mapping[str, float]
    endpoint: Mapping[str, Any] | None
    definition: str | Mapping[str, Any]  # the ASL that ran
    events: Sequence[dict[str, Any]]
    jobs: tuning.Jobs
    s3_root: Path
    run_dirs: Sequence[Path]  # this execution's artifact folders only
    since: float  # epoch seconds the execution started: older jobs are another run's
    time_scale: float
    failure_reason: str | None = None


def collect_plots(s3_root: Path, run_dirs: Iterable[Path]) -> list[Plot]:
    """The PNGs an execution wrote: loose files and those inside job `output.tar.gz`, under its own
    run folders only (another execution, even a concurrent one, writes elsewhere)."""
    found: list[Plot] = []
    for path in sorted(p for run_dir in run_dirs for p in run_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(s3_root).as_posix()
        if path.suffix == ".png":
            found.append(Plot(rel, path.read_bytes()))
        elif path.name == "output.tar.gz":
            found.extend(_pngs_in_tar(path, rel))
    return found


def _pngs_in_tar(path: Path, rel: str) -> Iterable[Plot]:
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".png"):
                fh = tar.extractfile(member)
                if fh is not None:
                    yield Plot(f"{rel}:{member.name}", fh.read())


def failed_job(jobs: tuning.Jobs, since: float) -> FailedJob | None:
    """The job of this run that failed last; a tuning trial counts through its tuning job."""
    failed = [
        (job["CreationTime"], kind, job)
        for kind, (status, _, _) in FIELDS.items()
        for job in tuning.described(jobs, kind, since)
        if job.get(status) == "Failed" and "TuningJobArn" not in job
    ]
    if not failed:
        return None
    _, kind, job = max(failed, key=lambda f: f[0])
    status, started, ended = FIELDS[kind]
    algorithm, app = job.get("AlgorithmSpecification") or {}, job.get("AppSpecification") or {}
    resources = (
        job.get("ResourceConfig")
        or (job.get("ProcessingResources") or {}).get("ClusterConfig")
        or job.get("TransformResources")
        or {}
    )
    picked = {
        "status": job.get(status),
        "created": job.get("CreationTime"),
        "started": job.get(started) if started else None,
        "ended": job.get(ended),
        "image": algorithm.get("TrainingImage") or app.get("ImageUri"),
        "model": job.get("ModelName"),
        "instance": resources.get("InstanceType"),
    }
    fields = [(k, str(v)) for k, v in picked.items() if v is not None]
    return FailedJob(kind, str(job.get(f"{kind}Name", "")), str(job.get("FailureReason", "")), fields)


def _statuses(spans: Sequence[timeline.StateSpan], kinds: Mapping[str, str]) -> dict[str, str]:
    failed = {s.name for s in spans if s.failed}
    failed |= {s.name for s in spans if kinds.get(s.name) == "Fail"}
    return dict.fromkeys(failed, "failed")


def _notes(spans: Sequence[timeline.StateSpan]) -> dict[str, str]:
    notes = {s.name: s.expected for s in spans if s.expected}
    notes.update({s.name: f"{s.error}: {s.cause}" for s in spans if s.failed and s.error})
    return notes


def collect(src: Sources) -> ReportData:
    definition = json.loads(src.definition) if isinstance(src.definition, str) else src.definition
    events = list(src.events)
    spans = timeline.spans(events)
    path = [s.name for s in sorted(spans, key=lambda s: s.entered)]
    kinds = asl.structure(definition).kinds
    tunings = tuning.tunings(src.jobs, src.since)
    trials = {t.name for tuned in tunings for t in tuned.trials}
    plots = [
        Plot(p.name, p.png, next((t for t in trials if t in p.name), None))
        for p in collect_plots(src.s3_root, src.run_dirs)
    ]
    return ReportData(
        case=src.case,
        execution=src.execution,
        status=src.status,
        duration_s=src.duration_s,
        error=src.error,
        cause=src.cause,
        failure_reason=src.failure_reason,
        metrics=dict(src.metrics),
        endpoint=src.endpoint,
        spans=spans,
        plots=plots,
        gate=timeline.gate_figures(events),
        graph=graph.draw(definition, path, _statuses(spans, kinds), _notes(spans)),
        tuning=tunings,
        deployment=deployment.summarize(events, spans, src.cause),
        failed_job=failed_job(src.jobs, src.since) if src.status != "SUCCEEDED" else None,
        time_scale=src.time_scale,
    )
