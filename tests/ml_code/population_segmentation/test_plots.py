"""Report figures are real PNGs sized to what they show."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd

from ml_code.population_segmentation import plots


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_explained_variance_figure(tmp_path: Path) -> None:
    ratio = np.array([0.5, 0.2, 0.15, 0.1, 0.05])
    path = plots.explained_variance(ratio, 2, tmp_path / "report" / "explained_variance.png")
    assert _png_size(path) == (880, 495)  # 8 x 4.5 inches at 110 dpi
    assert [p.name for p in path.parent.iterdir()] == ["explained_variance.png"]  # no temp file left


def test_heat_map_grows_with_the_number_of_features(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    small = pd.DataFrame(rng.random((3, 4)), columns=list("abcd"))
    wide = pd.DataFrame(rng.random((8, 34)), columns=[f"f{i}" for i in range(34)])
    small_size = _png_size(plots.heat_map(small, "small", tmp_path / "small.png"))
    wide_size = _png_size(plots.heat_map(wide, "wide", tmp_path / "wide.png", diverging=True))
    assert wide_size[0] > small_size[0] and wide_size[1] > small_size[1]
