"""What a case study needs beyond AWS: its bundled data, a sample request, the figures a reader looks
at first and quick settings for the end-to-end tests. Part of the case's one object, so the local
runtime, the benchmarks and the tests derive every per-case list from `stacks.cases.ALL` and a new
case needs no edit outside its object, its code and its data. The CDK app reads none of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CsvSample:
    """The first row of the first file under a data reference (`<step>/<output>`), as `text/csv`,
    without its leading label columns."""

    output: str
    drop_columns: int = 0


@dataclass(frozen=True)
class ForecastSample:
    """A DeepAR request for the first series under a data reference (JSON lines), its last
    `horizon` values held back, with the inference `configuration`."""

    output: str
    horizon: int
    configuration: Mapping[str, Any] = field(default_factory=dict)


Sample = CsvSample | ForecastSample


@dataclass(frozen=True)
class Quick:
    """Quick settings for the end-to-end tests: the paths, not the model quality, are tested."""

    hyperparameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # step -> values
    untuned: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # step -> fixed values
    gate_threshold: float | None = None  # a quick model may not meet the real gate
    gate_baseline: bool = True  # False: nor beat the gate's baseline
    max_tuning_jobs: int = 2


@dataclass(frozen=True)
class LocalData:
    """`raw_files` are paths under the data folder (`data/` bundled, with checksums in
    `data/SHA256SUMS`); their folder is where a user's own files for the case go (`--data-dir`)."""

    raw_files: tuple[str, ...]
    key_metrics: tuple[str, ...]
    sample: Sample | None = None  # drives the canary's traffic during a local bake
    quick: Quick = field(default_factory=Quick)
    # What the case study's seed published for some key metrics; the quality bench prints them
    # beside the deployed figures (bench/ml_quality.py).
    seed_figures: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        folders = {name.split("/")[0] for name in self.raw_files}
        if not self.raw_files or len(folders) != 1 or any("/" not in name for name in self.raw_files):
            raise ValueError(f"raw_files must be files in one folder of the data dir, got {self.raw_files}")
        if not self.key_metrics:
            raise ValueError("key_metrics must name at least one metric")
        unknown = set(self.seed_figures) - set(self.key_metrics)
        if unknown:
            raise ValueError(f"seed_figures name metrics that are not key_metrics: {sorted(unknown)}")

    @property
    def folder(self) -> str:
        return self.raw_files[0].split("/")[0]
