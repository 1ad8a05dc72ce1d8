"""Shared by the power preprocessing tests: the bundled data, the UCI header, the step's arguments."""

from __future__ import annotations

from pathlib import Path

from ml_code.power_forecasting import readers

DATA = Path(__file__).resolve().parents[3] / "data" / "power"
UCI_HEADER = ";".join(readers.UCI_COLUMNS)


def preprocess_argv(raw: Path, out: Path, *extra: str) -> list[str]:
    """`preprocess` reading the folder `raw`, writing its train and test channels under `out`."""
    return [
        "--input-dir",
        f"raw={raw}",
        "--output-dir",
        f"train={out / 'train'}",
        "--output-dir",
        f"test={out / 'test'}",
        *extra,
    ]
