"""The whole census chain, run once per session through the real entry points (`chain.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ml_code.population_segmentation import chain as population

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(work folder holding every step's inputs and outputs, the chain's summary)."""
    workdir = tmp_path_factory.mktemp("population-chain")
    return workdir, population.run(DATA, workdir)
