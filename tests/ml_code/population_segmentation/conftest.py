"""The whole census chain, run once per session through the real entry points (bench harness)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.quality import population

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(work folder holding every step's inputs and outputs, the bench's summary)."""
    workdir = tmp_path_factory.mktemp("population-chain")
    return workdir, population.run(DATA, workdir)
