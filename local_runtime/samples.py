"""One realistic request per case study, taken from what the run itself produced in local S3.

During a canary bake there are no real clients, so the local endpoints replay such a request to
give the alarms traffic to judge (see endpoints/traffic.py); `invoke` offers it as an example. What
to send is the case's `local.sample`: a row of a CSV output, or a forecast request for a series.
"""

from __future__ import annotations

import json
from pathlib import Path

from local_runtime.endpoints.traffic import SampleRequest
from stacks.case_local import CsvSample, ForecastSample
from stacks.case_study import CaseStudy


def _newest_file(s3_root: Path, case: CaseStudy, output: str) -> Path | None:
    """The first file under `<step>/<output>/` of the case's newest run."""
    folders = [p for p in s3_root.glob(f"*/runs/{case.id}/*/{output}") if p.is_dir()]
    for folder in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True):
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        if files:
            return files[0]
    return None


def sample_request(case: CaseStudy, s3_root: Path) -> SampleRequest | None:
    """A request for the case's endpoint built from the newest run's data, or None if there is none yet."""
    sample = case.local.sample
    if sample is None:
        return None
    path = _newest_file(s3_root, case, sample.output)
    if path is None:
        return None
    with path.open() as fh:
        first = fh.readline().strip()
    if isinstance(sample, CsvSample):
        row = ",".join(first.split(",")[sample.drop_columns :])
        return SampleRequest(row.encode(), "text/csv", "application/json")
    assert isinstance(sample, ForecastSample)
    series = json.loads(first)
    instance = {"start": series["start"], "target": series["target"][: -sample.horizon]}
    body = {"instances": [instance], "configuration": dict(sample.configuration)}
    return SampleRequest(json.dumps(body).encode(), "application/json", "application/json")
