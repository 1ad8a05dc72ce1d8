"""Forecast scores on known values, and the naive baseline's figures on the seed's test windows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml_code.power_forecasting import evaluate, plots

DATA = Path(__file__).resolve().parents[3] / "data" / "power"
QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _seed_test() -> list[list[float]]:
    return [
        json.loads(line)["target"]
        for line in (DATA / "deepar_udacity" / "test.json").read_text().splitlines()
    ]


def test_split_window() -> None:
    history, actual = evaluate.split_window([1, 2, 3, 4, 5], 2)
    assert history.tolist() == [1, 2, 3] and actual.tolist() == [4, 5]
    with pytest.raises(ValueError):
        evaluate.split_window([1, 2], 2)


def test_score_known_values() -> None:
    # actual 1,2,3,4; mean off by +1 on the last point; q0.5 forecast 2,2,2,2; q0.9 forecast 4,4,4,4
    w = evaluate.WindowForecast(
        np.array([1.0, 2, 3, 4]), np.array([1.0, 2, 3, 5]), {0.5: np.full(4, 2.0), 0.9: np.full(4, 4.0)}
    )
    s = evaluate.score([w], (0.5, 0.9))
    assert s["RMSE"] == pytest.approx(0.5)  # sqrt(1 / 4)
    assert s["wQuantileLoss[0.5]"] == pytest.approx(2 * (0.5 + 0 + 0.5 + 1) / 10)  # 0.4
    assert s["wQuantileLoss[0.9]"] == pytest.approx(2 * (0.1 * (3 + 2 + 1 + 0)) / 10)  # 0.12
    assert s["mean_wQuantileLoss"] == pytest.approx(0.26)


def test_scores_pool_all_windows() -> None:
    a = evaluate.WindowForecast(np.array([1.0, 1.0]), np.array([1.0, 1.0]), {0.5: np.array([1.0, 1.0])})
    b = evaluate.WindowForecast(np.array([3.0, 3.0]), np.array([1.0, 1.0]), {0.5: np.array([1.0, 1.0])})
    s = evaluate.score([a, b], (0.5,))
    assert s["RMSE"] == pytest.approx(np.sqrt(8 / 4))
    assert s["wQuantileLoss[0.5]"] == pytest.approx(2 * 0.5 * 4 / 8)


def test_from_samples_quantiles_and_mean() -> None:
    samples = np.arange(101, dtype=float)[:, None] * np.ones((1, 3))  # 0..100 at every step
    w = evaluate.from_samples(np.zeros(3), samples, (0.1, 0.5, 0.9))
    assert w.mean.tolist() == [50.0] * 3
    assert [w.quantiles[q][0] for q in (0.1, 0.5, 0.9)] == pytest.approx([10.0, 50.0, 90.0])


def test_naive_baseline_on_the_seed_test_windows() -> None:
    """Mean of the last 30 days repeated: the figures the brief quotes (RMSE 0.340, wQuantileLoss 0.183)."""
    windows = [evaluate.naive_window(t, 30, QUANTILES) for t in _seed_test()]
    s = evaluate.score(windows, QUANTILES)
    assert s["RMSE"] == pytest.approx(0.33971, abs=1e-5)
    assert s["mean_wQuantileLoss"] == pytest.approx(0.18320, abs=1e-5)
    assert windows[0].mean[0] == pytest.approx(np.mean(_seed_test()[0][-60:-30]))


def test_forecast_bands_plot(tmp_path: Path) -> None:
    targets = _seed_test()
    rng = np.random.default_rng(0)
    windows = [
        evaluate.from_samples(t[-30:], t[-30:] + rng.normal(0, 0.2, (50, 30)), QUANTILES) for t in targets
    ]
    starts = [pd.Timestamp(f"{y}-12-02") for y in (2007, 2008, 2009)]
    history = [np.asarray(t[-120:-30]) for t in targets]
    path = plots.forecast_bands(windows, starts, tmp_path / "report" / "bands.png", history=history)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    with pytest.raises(ValueError):
        plots.forecast_bands([], [], tmp_path / "none.png")
