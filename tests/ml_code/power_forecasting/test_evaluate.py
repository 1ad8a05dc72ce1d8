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


def _step_inputs(root: Path, forecasts: list[dict[str, object]]) -> list[str]:
    """The evaluate step's input folders: the seed's test series and a transform output."""
    (root / "test").mkdir(parents=True)
    (root / "test" / "test.json").write_text((DATA / "deepar_udacity" / "test.json").read_text())
    (root / "forecasts").mkdir()
    (root / "forecasts" / "train.json.out").write_text("".join(json.dumps(f) + "\n" for f in forecasts))
    return [
        *("--input-dir", f"test={root / 'test'}", "--input-dir", f"forecasts={root / 'forecasts'}"),
        *("--output-dir", f"evaluation={root / 'evaluation'}", "--output-dir", f"report={root / 'report'}"),
    ]


def _exact(target: list[float]) -> dict[str, object]:
    """A batch-transform record forecasting the window exactly."""
    return {"mean": target[-30:], "quantiles": {str(q): target[-30:] for q in QUANTILES}}


def test_the_step_scores_forecasts_and_baselines_alike_and_writes_the_bar(tmp_path: Path) -> None:
    argv = _step_inputs(tmp_path, [_exact(t) for t in _seed_test()])
    gate = ("--gate-metric", "test:RMSE", "--gate-baseline", "naive_last_30", "--gate-margin", "0.01")
    assert evaluate.main([*argv, "--prediction-length", "30", *gate, "--gate-direction", "Minimize"]) == 0
    result = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert result["metrics"]["test:RMSE"] == 0 and result["metrics"]["test:mean_wQuantileLoss"] == 0
    naive = result["baselines"]["naive_last_30"]
    assert naive["test:RMSE"] == pytest.approx(0.33971, abs=1e-5)  # as test_naive_baseline_... above
    assert naive["test:mean_wQuantileLoss"] == pytest.approx(0.18320, abs=1e-5)
    seasonal = evaluate.score(
        [evaluate.naive_window(t, 30, QUANTILES, seasonal=True) for t in _seed_test()], QUANTILES
    )
    assert result["baselines"]["seasonal_naive"]["test:RMSE"] == pytest.approx(seasonal["RMSE"])
    assert result["gate"]["bar"] == pytest.approx(0.33971 - 0.01, abs=1e-5)
    assert [w["start"][:10] for w in result["windows"]] == ["2007-12-02", "2008-12-02", "2009-12-02"]
    assert (tmp_path / "report" / "forecast_bands.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seasonal_naive_repeats_the_last_week() -> None:
    history = np.arange(10.0)  # last week: 3..9
    assert evaluate.seasonal_naive_forecast(history, 9).tolist() == [3, 4, 5, 6, 7, 8, 9, 3, 4]
    with pytest.raises(ValueError, match="shorter than a season"):
        evaluate.seasonal_naive_forecast(np.arange(3.0), 5)


@pytest.mark.parametrize(
    ("forecasts", "message"),
    [
        (lambda ts: [_exact(t) for t in ts[:2]], "2 forecasts for 3 series"),
        (lambda ts: [{**_exact(t), "mean": t[-29:]} for t in ts], "row 1, field 'mean, quantiles'"),
        (lambda ts: [{"mean": t[-30:]} for t in ts], "lacks a mean or quantiles"),
    ],
)
def test_bad_forecasts_are_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], forecasts: object, message: str
) -> None:
    argv = _step_inputs(tmp_path, forecasts(_seed_test()))  # type: ignore[operator]
    assert evaluate.main(argv) == 2
    error = capsys.readouterr().err
    assert "train.json.out" in error and message in error
    assert not (tmp_path / "evaluation").exists()
