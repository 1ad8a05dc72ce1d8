"""Keeps a workdir's disk use bounded: each case keeps its last `keep` executions whole (S3 run
folder, job folders, report, history); older ones are removed, except the run folders the live
endpoints serve their models from, as are unpacked copies of models no live endpoint serves.
Endpoint data capture keeps its newest files up to a size per endpoint, as a bucket lifecycle rule
would expire the oldest (sooner: this is a laptop).

Run after every `run` (`--keep-runs`, default KEEP_RUNS) and by `python -m local_runtime clean`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from local_runtime.endpoints.store import DamagedRecord, Store
from local_runtime.reaper import alive
from local_runtime.sagemaker.registry import EXECUTION_FILE
from stacks.case_study import CaseStudy

KEEP_RUNS = 5
CAPTURE_KEEP_BYTES = 256 * 1024 * 1024  # per endpoint


@dataclass
class Pruned:
    executions: list[str] = field(default_factory=list)
    paths: int = 0
    bytes: int = 0
    skipped: str = ""  # why nothing was pruned, if so

    def add(self, path: Path) -> None:
        size = (
            sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else path.stat().st_size
        )
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        self.paths, self.bytes = self.paths + 1, self.bytes + size

    def __str__(self) -> str:
        if self.skipped:
            return f"pruned nothing: {self.skipped} (`destroy <case>` removes a case's damaged records)"
        runs = f"{len(self.executions)} old execution(s)" if self.executions else "no execution"
        return f"pruned {runs}, {self.paths} path(s), {self.bytes / 1e6:.1f} MB"


def _live_models(store: Store) -> dict[str, str]:
    """Every model a live endpoint config serves: name -> its ModelDataUrl ("" if none)."""
    models = {}
    for endpoint in store.all("endpoints").values():
        try:
            config = store.get("configs", endpoint["EndpointConfigName"])
        except DamagedRecord:
            continue
        for variant in (config or {}).get("ProductionVariants", []):
            try:
                model = store.get("models", variant["ModelName"])
            except DamagedRecord:
                continue
            container = (model or {}).get("PrimaryContainer") or {}
            models[variant["ModelName"]] = container.get("ModelDataUrl", "")
    return models


def _run_folders(s3_root: Path, case: CaseStudy) -> dict[str, list[Path]]:
    """Execution name -> its run folders (one per bucket that holds any)."""
    folders: dict[str, list[Path]] = {}
    for folder in s3_root.glob(f"*/runs/{case.id}/*"):
        if folder.is_dir():
            folders.setdefault(folder.name, []).append(folder)
    return folders


def _protected(folders: Iterable[Path], s3_root: Path, live_urls: set[str]) -> bool:
    prefixes = [f"s3://{f.relative_to(s3_root).as_posix()}/" for f in folders]
    return any(url.startswith(prefix) for url in live_urls for prefix in prefixes)


def _running(workdir: Path, name: str) -> bool:
    """Whether execution `name` is still running in a live process (perhaps another run's)."""
    try:
        record = json.loads((workdir / "executions" / f"{name}.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("status") == "RUNNING" and alive(record.get("process"))


def prune(workdir: Path, cases: Iterable[CaseStudy], keep: int = KEEP_RUNS) -> Pruned:
    """Remove what executions older than each case's last `keep` left (see the module docstring).

    Nothing is pruned while a state record is damaged (what a live endpoint uses is then unknown),
    nor an execution that is still running, in this process or another."""
    if keep < 1:
        raise ValueError(f"keep at least the last execution of each case, not {keep}")
    pruned, store = Pruned(), Store(workdir)
    live = _live_models(store)
    models = store.all("models")
    store.all("configs")
    damaged = store.all_damaged()
    if damaged:
        pruned.skipped = f"{len(damaged)} damaged state file(s), e.g. {damaged[0].path}"
        return pruned
    s3_root, live_urls = workdir / "s3", {url for url in live.values() if url}
    for case in cases:
        runs = _run_folders(s3_root, case)
        ordered = sorted(runs, key=lambda name: min(f.stat().st_mtime for f in runs[name]))
        for name in ordered[:-keep]:
            if _protected(runs[name], s3_root, live_urls) or _running(workdir, name):
                continue  # a live endpoint serves a model from it, or it is not over
            pruned.executions.append(name)
            prefixes = [f"s3://{f.relative_to(s3_root).as_posix()}/" for f in runs[name]]
            for path in [
                *runs[name],
                workdir / "reports" / f"{name}.html",
                workdir / "executions" / f"{name}.json",
            ]:
                if path.exists():
                    pruned.add(path)
            for job in (workdir / "jobs").glob(f"{case.short_name}-*"):
                marker = job / EXECUTION_FILE
                if marker.is_file() and marker.read_text() == name:
                    pruned.add(job)
            for model, record in models.items():  # unpacked copies of that execution's models
                url = ((record.get("PrimaryContainer") or {}).get("ModelDataUrl")) or ""
                unpacked = store.artifacts / model
                if unpacked.exists() and model not in live and url.startswith(tuple(prefixes)):
                    pruned.add(unpacked)
    _prune_capture(s3_root, pruned)
    return pruned


def _prune_capture(s3_root: Path, pruned: Pruned) -> None:
    for variant in s3_root.glob("*/datacapture/*/*/*"):  # <bucket>/datacapture/<case>/<endpoint>/<variant>
        files = sorted(variant.rglob("*.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
        total = 0
        for path in files:
            total += path.stat().st_size
            if total > CAPTURE_KEEP_BYTES:
                pruned.add(path)
