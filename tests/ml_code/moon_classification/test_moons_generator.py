"""The moons' generating distribution: known shapes, a proper density, and known reference figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_moons

from ml_code.moon_classification import generator, preprocess

DATA = Path(__file__).resolve().parents[3] / "data" / "moons"


def test_arcs_end_where_make_moons_puts_them() -> None:
    assert np.allclose(generator.arc(0)[[0, -1]], [[1, 0], [-1, 0]])
    assert np.allclose(generator.arc(1)[[0, -1]], [[0, 0.5], [2, 0.5]])
    with pytest.raises(ValueError, match="label must be 0 or 1"):
        generator.arc(2)


@pytest.mark.parametrize("label", [0, 1])
def test_density_integrates_to_one(label: int) -> None:
    step = 0.04
    xx, yy = np.meshgrid(np.arange(-3, 4, step), np.arange(-3, 3.5, step))
    density = np.exp(generator.log_density(np.c_[xx.ravel(), yy.ravel()], label, 0.25))
    assert density.sum() * step**2 == pytest.approx(1.0, abs=1e-3)


def test_the_moons_mirror_each_other() -> None:
    """Point reflection through (0.5, 0.25) maps the upper moon onto the lower one."""
    points = np.random.default_rng(0).normal(size=(50, 2))
    mirrored = np.array([1.0, 0.5]) - points
    assert np.allclose(generator.log_density(points, 0, 0.3), generator.log_density(mirrored, 1, 0.3))
    with pytest.raises(ValueError, match="noise must be > 0"):
        generator.log_density(points, 0, 0.0)


def test_bayes_rule_known_values() -> None:
    assert generator.bayes_labels(np.array([[0.0, 1.0], [1.0, -0.5]]), 0.25).tolist() == [0, 1]
    centre, far = generator.posterior(np.array([[0.5, 0.25], [0.0, 3.0]]), 0.25)
    assert centre == pytest.approx(0.5, abs=1e-12) and far < 1e-6  # the point of symmetry; far above
    x, y = preprocess.read_split(DATA / "test.csv")
    assert np.sum(generator.bayes_labels(x, 0.25) == y) == 141  # of 150: 0.94, the split's ceiling
    x, y = generator.sample(20_000, 0.25, 3)
    assert np.mean(generator.bayes_labels(x, 0.25) == y) == pytest.approx(0.944, abs=0.005)


def test_noise_estimate_of_the_bundled_training_file_covers_the_recipe() -> None:
    x, y = preprocess.read_split(DATA / "train.csv")
    fitted = generator.fit_noise(x, y)
    assert fitted["noise"] == pytest.approx(0.2493, abs=5e-4)
    assert fitted["low"] < 0.25 < fitted["high"]
    assert fitted["high"] - fitted["low"] < 0.04


def test_noise_estimate_recovers_a_known_noise() -> None:
    x, y = generator.sample(2000, 0.15, 5)
    fitted = generator.fit_noise(x, y)
    assert fitted["low"] < 0.15 < fitted["high"]
    assert fitted["noise"] == pytest.approx(0.15, abs=0.006)


def test_sample_is_make_moons_and_the_recipe_draw() -> None:
    x, y = generator.sample(600, 0.25, 0)
    ref_x, ref_y = make_moons(600, noise=0.25, random_state=0)
    assert np.array_equal(x, ref_x) and np.array_equal(y, ref_y) and y.dtype == np.int64
    split = preprocess.generate(0, 600, 0.25)
    rows = np.vstack([np.c_[f, labels] for f, labels in split.values()])
    assert np.array_equal(np.unique(rows, axis=0), np.unique(np.c_[x, y], axis=0))
