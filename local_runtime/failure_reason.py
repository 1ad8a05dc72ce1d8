"""One line that says why a run failed and where, in the user's terms, then where to read more.

An execution's error and cause are Step Functions': a failed job's cause is its whole Describe*
response, and the paths in its FailureReason are the job's staged copies (`<workdir>/jobs/<job>/
opt_ml/processing/input/raw/train.csv`). The line names the state that failed (not the Fail state
the Catch led to), the job, the job's own reason with staged raw files named as the user's file
under `--data-dir` (`bundled_data.stage_raw_data` copies each as `<raw folder>/<its name>`), then
the job's log. Failures the state machine expects (`outcomes.expected`) are never the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_runtime import outcomes
from stacks.case_study import CaseStudy

_JOB_KINDS = ("HyperParameterTuningJob", "ProcessingJob", "TrainingJob", "TransformJob")
_NOUNS = {"HyperParameterTuningJob": "tuning job", "ProcessingJob": "processing job"}
_NOUNS |= {"TrainingJob": "training job", "TransformJob": "transform job"}
_MAX_REASON = 400  # characters of the job's or cause's own words kept on the line


@dataclass(frozen=True)
class StateFailure:
    state: str
    error: str
    cause: str


@dataclass(frozen=True)
class Failure:
    """What failed and where; `line(report)` adds where to read more."""

    case: str
    state: str | None
    what: str
    log: Path | None = None

    def line(self, report: str | None) -> str:
        where = f" at {self.state}" if self.state else ""
        more = [f"report {report}"] if report else []
        more += [f"job log {self.log}"] if self.log else []
        return f"{self.case} failed{where}: {self.what}" + (f" (more: {'; '.join(more)})" if more else "")


def state_failures(events: Sequence[Mapping[str, Any]]) -> list[StateFailure]:
    """Every failure a state raised (caught or not), with the state that raised it."""
    state, found = "", []
    for event in events:
        if entered := event.get("stateEnteredEventDetails"):
            state = str(entered.get("name", ""))
        for key, details in event.items():
            if key.startswith("execution") or not key.endswith(
                ("FailedEventDetails", "TimedOutEventDetails")
            ):
                continue
            if isinstance(details, Mapping):
                found.append(
                    StateFailure(state, str(details.get("error", "")), str(details.get("cause", "")))
                )
    return found


def raw_sources(case: CaseStudy, data_dir: Path, staged: Sequence[Path]) -> dict[str, Path]:
    """Staged raw file name -> the user's file it was copied from (as `stage_raw_data` chose it)."""
    local, sources = case.local, {}
    for path in staged:
        bundled = [data_dir / rel for rel in local.raw_files if Path(rel).name == path.name]
        sources[path.name] = next((p for p in bundled if p.is_file()), data_dir / local.folder / path.name)
    return sources


def raw_uri(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The execution's raw data prefix (`$.config.raw_data_uri`), from the first state that had it."""
    for event in events:
        details = event.get("stateExitedEventDetails") or {}
        try:
            state = json.loads(details.get("output") or "{}")
        except json.JSONDecodeError:
            continue
        config = state.get("config") if isinstance(state, dict) else None
        if isinstance(config, dict) and isinstance(config.get("raw_data_uri"), str):
            return str(config["raw_data_uri"])
    return None


def _job(cause: str) -> tuple[str, dict[str, Any]] | None:
    """(kind, description) of the job a task's cause describes, if it is a Describe* response."""
    try:
        described = json.loads(cause.split(": ", 1)[1] if cause.startswith("States.") else cause)
    except (json.JSONDecodeError, IndexError):
        return None
    if not isinstance(described, dict):
        return None
    kind = next((k for k in _JOB_KINDS if f"{k}Name" in described), None)
    return (kind, described) if kind else None


def _staged_folders(kind: str, job: Mapping[str, Any], workdir: Path, uri: str | None) -> list[str]:
    """Where this job saw the raw data: the raw prefix in local S3 and the job's copies of it."""
    # imported here: the package's service (botocore's models) is not needed by `list` or `invoke`
    from local_runtime.sagemaker.container import rewrite_opt_ml

    if not uri:
        return []
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    folders = [str(workdir / "s3" / bucket / key).rstrip("/")]
    root = workdir / "jobs" / str(job.get(f"{kind}Name", "")) / "opt_ml"
    for item in job.get("ProcessingInputs") or []:
        s3_input = item.get("S3Input") or {}
        if str(s3_input.get("S3Uri", "")).rstrip("/") == uri.rstrip("/"):
            folders += [str(s3_input["LocalPath"]).rstrip("/"), rewrite_opt_ml(s3_input["LocalPath"], root)]
    for channel in job.get("InputDataConfig") or []:
        source = (channel.get("DataSource") or {}).get("S3DataSource") or {}
        if str(source.get("S3Uri", "")).rstrip("/") == uri.rstrip("/"):
            local = f"/opt/ml/input/data/{channel['ChannelName']}"
            folders += [local, rewrite_opt_ml(local, root)]
    return folders


def user_terms(text: str, folders: Sequence[str], sources: Mapping[str, Path], fallback: str) -> str:
    """`text` with staged raw files named as the user's files (`fallback/<name>` when unknown)."""
    for folder in sorted(set(folders), key=len, reverse=True):
        pattern = re.escape(folder.rstrip("/")) + r"/([^\s,:;'\"]+)"
        text = re.sub(pattern, lambda m: str(sources.get(m[1], f"{fallback}/{m[1]}")), text)
    return text


def _words(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_REASON else flat[: _MAX_REASON - 1] + "…"


def explain(
    case: CaseStudy,
    events: Sequence[Mapping[str, Any]],
    *,
    error: str | None,
    cause: str | None,
    workdir: Path,
    sources: Mapping[str, Path] | None = None,
    jobs: Sequence[Mapping[str, Any]] = (),
) -> Failure:
    """Why the execution whose history is `events` failed. `sources` maps staged raw files to the
    user's (unknown after the fact: then they are named by their place in a data dir); `jobs` are
    this run's failed job descriptions (a tuning job's failed trials say more than the tuning job)."""
    unexpected = [f for f in state_failures(events) if not outcomes.expected(f.state, f.error, f.cause)]
    culprit = unexpected[-1] if unexpected else None
    found = _job(culprit.cause) if culprit else None
    if culprit is None or found is None:
        state = culprit.state if culprit else _last_state(events)
        said = culprit or StateFailure(state or "", error or "", cause or "")
        return Failure(case.id, state, _words(f"{said.error}: {said.cause}" if said.cause else said.error))
    kind, job = found
    if kind == "HyperParameterTuningJob":
        arn = job.get("HyperParameterTuningJobArn")
        trial = next((j for j in jobs if j.get("TuningJobArn") == arn and j.get("FailureReason")), None)
        if trial is not None:
            kind, job = "TrainingJob", dict(trial)
    name = str(job.get(f"{kind}Name", ""))
    reason = str(job.get("FailureReason") or culprit.error)
    folders = _staged_folders(kind, job, workdir, raw_uri(events))
    words = user_terms(reason, folders, sources or {}, f"<data dir>/{case.local.folder}")
    log = workdir / "jobs" / name / "stderr.log"
    return Failure(
        case.id, culprit.state, f"{_NOUNS[kind]} {name}: {_words(words)}", log if log.is_file() else None
    )


def _last_state(events: Sequence[Mapping[str, Any]]) -> str | None:
    entered = [e["stateEnteredEventDetails"].get("name") for e in events if e.get("stateEnteredEventDetails")]
    return str(entered[-1]) if entered else None
