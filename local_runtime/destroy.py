"""`python -m local_runtime destroy <case>|all`: remove what a case's runs deployed in a workdir.

That is its endpoint, its endpoint configs and its models (with their unpacked artifacts), damaged
records included: what deleting them on AWS removes. A running `serve` stops hosting the endpoint at
its next refresh. The case's S3 data, job folders, executions and reports stay; the next run deploys
from scratch. Resources are the case's by name: the endpoint the stack names, and the configs and
models the state machine names after the case (`<short name>-...` or `<case id>-...`).
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
    return removed
