"""The classifier's shape, and the model.pth + model_info.json round trip model_fn relies on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ml_code.common.errors import InputError
from ml_code.moon_classification import model


def _net(seed: int = 0) -> model.BinaryClassifier:
    torch.manual_seed(seed)
    return model.BinaryClassifier(2, 8, 1)


def test_output_is_a_probability_per_row() -> None:
    net = _net()
    scores = model.predict_scores(net, np.array([[0.0, 0.0], [1.0, -0.5], [50.0, 50.0]]))
    assert scores.shape == (3,) and scores.dtype == np.float64
    assert np.all((scores > 0) & (scores < 1))
    assert net.info == model.ModelInfo(input_features=2, hidden_dim=8, output_dim=1)


def test_save_load_round_trip(tmp_path: Path) -> None:
    net = _net()
    model.save(net, tmp_path)
    assert json.loads((tmp_path / model.INFO_FILE).read_text()) == {
        "input_features": 2,
        "hidden_dim": 8,
        "output_dim": 1,
    }
    loaded = model.load(tmp_path)
    assert not loaded.training
    points = np.random.default_rng(0).normal(size=(20, 2))
    assert np.array_equal(model.predict_scores(loaded, points), model.predict_scores(net, points))


def test_load_names_missing_or_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"model_info\.json: file does not exist"):
        model.load(tmp_path)
    (tmp_path / model.INFO_FILE).write_text('{"input_features": 2, "hidden_dim": "many", "output_dim": 1}')
    with pytest.raises(InputError, match=r"model_info\.json: unreadable"):
        model.load(tmp_path)
    (tmp_path / model.INFO_FILE).write_text('{"input_features": 2, "hidden_dim": 8, "output_dim": 1}')
    with pytest.raises(InputError, match=r"model\.pth: file does not exist"):
        model.load(tmp_path)
