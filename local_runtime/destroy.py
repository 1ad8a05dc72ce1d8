"""`python -m local_runtime destroy <case>|all`: remove what a case's runs deployed in a workdir.

That is its endpoint, its endpoint configs and its models (with their unpacked artifacts), damaged
records included: what deleting them on AWS removes; and, in local S3, what its executions wrote
(`runs/<case>/`: job outputs, model artifacts, evaluations), its deployment record
(`deployments/<case>/record.json`, so the next run's gate compares with no live model) and the
endpoint's captured traffic (`datacapture/<case>/`). A running `serve` stops hosting the endpoint
at its next refresh. What stays: the raw data (`<data bucket>/<case>/raw/`), the execution
history (`executions/`), the reports (self-contained), the job folders with their logs and the
cached synth; the next run deploys from scratch. Resources are the case's by name: the endpoint
the stack names, and the configs and models the state machine names after the case
(`<short name>-...` or `<case id>-...`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from local_runtime.endpoints.store import Store
from stacks.case_study import CaseStudy


def owns(case: CaseStudy, endpoint_name: str, record: Path) -> bool:
    """Whether a state file under `<workdir>/endpoints/` holds one of `case`'s resources."""
    if record.parent.name == "endpoints":
        return record.stem == endpoint_name
    return record.stem.startswith((f"{case.short_name}-", f"{case.id}-"))


def destroy(case: CaseStudy, endpoint_name: str, workdir: Path) -> list[Path]:
    """Delete the case's endpoint resources from `workdir`; returns what was removed."""
    store = Store(workdir)
    removed = []
    for kind in ("endpoints", "configs", "models"):
        for path in sorted((store.root / kind).glob("*.json")):
            if owns(case, endpoint_name, path):
                path.unlink(missing_ok=True)
                removed.append(path)
    for folder in sorted(store.artifacts.glob("*")):
        if owns(case, endpoint_name, folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed + _s3_outputs(case, workdir / "s3")


def _s3_outputs(case: CaseStudy, s3_root: Path) -> list[Path]:
    """The case's execution outputs, deployment record and captured traffic, in every local bucket."""
    from stacks import naming  # imports aws_cdk: only when destroying

    keys = (naming.runs_prefix(case), naming.deployment_record_key(case), naming.data_capture_prefix(case))
    removed = []
    for bucket in sorted(p for p in s3_root.glob("*") if p.is_dir()):
        for key in keys:
            path = bucket / key.rstrip("/")
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.is_file():
                path.unlink(missing_ok=True)
                if not any(path.parent.iterdir()):  # an S3 "folder" is only its keys' prefix
                    path.parent.rmdir()
            else:
                continue
            removed.append(path)
    return removed
