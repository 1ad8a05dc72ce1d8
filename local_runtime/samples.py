"""One realistic request per case study, taken from what the run itself produced in local S3.

During a canary bake there are no real clients, so the local endpoints replay such a request to
give the alarms traffic to judge (see endpoints/traffic.py); `invoke` offers it as an example.
"""

from __future__ import annotations

import json
from pathlib import Path

from local_runtime.endpoints.traffic import SampleRequest

# case id -> (file name the pipeline writes, how many leading label columns to drop)
_CSV_SOURCES = {
    "population-segmentation": ("components.csv", 0),
    "fraud-detection": ("test_features.csv", 0),
    "moon-classification": ("test.csv", 1),
}
FORECAST_CONFIGURATION = {
    "num_samples": 50,
    "output_types": ["mean", "quantiles"],
    "quantiles": ["0.1", "0.5", "0.9"],
}


def _newest(s3_root: Path, case_id: str, name: str) -> Path | None:
    found = [p for p in s3_root.rglob(name) if f"/{case_id}/" in p.as_posix() and p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime, default=None)


def sample_request(case_id: str, s3_root: Path) -> SampleRequest | None:
    """A request for the case's endpoint built from the newest run's data, or None if there is none yet."""
    if case_id in _CSV_SOURCES:
        name, drop = _CSV_SOURCES[case_id]
        path = _newest(s3_root, case_id, name)
        if path is None:
            return None
        with path.open() as fh:
            first = fh.readline().strip()
        row = ",".join(first.split(",")[drop:])
        return SampleRequest(row.encode(), "text/csv", "application/json")
    if case_id == "power-forecasting":
        path = _newest(s3_root, case_id, "test.json")
        if path is None:
            return None
        with path.open() as fh:
            series = json.loads(fh.readline())
        horizon = 30
        instance = {"start": series["start"], "target": series["target"][:-horizon]}
        body = {"instances": [instance], "configuration": FORECAST_CONFIGURATION}
        return SampleRequest(json.dumps(body).encode(), "application/json", "application/json")
    return None
