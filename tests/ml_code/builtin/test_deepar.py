"""Local DeepAR: hyperparameters, channels, a tiny end-to-end training job, and the inference handlers."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ml_code.builtin import _deepar_config, deepar
from ml_code.builtin._deepar_data import read_channel
from ml_code.common.errors import BadRequest, InputError
from ml_code.common.sm_env import JobFolder

SEED = Path(__file__).resolve().parents[3] / "data" / "power" / "deepar_udacity"
TINY = {
    "time_freq": "D", "context_length": "30", "prediction_length": "30", "epochs": "2", "num_cells": "8",
    "num_layers": "1", "mini_batch_size": "64", "num_eval_samples": "20", "early_stopping_patience": "5",
}  # fmt: skip


def _job(root: Path, hyperparameters: dict[str, str], channels: dict[str, bytes]) -> Path:
    job = JobFolder(root).write_training_config(hyperparameters, {name: {} for name in channels})
    for name, body in channels.items():
        (job.channel(name) / ("data.json.gz" if body[:2] == b"\x1f\x8b" else "data.json")).write_bytes(body)
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One tiny training job on the seed's data (train gzipped, as SageMaker also accepts)."""
    root = _job(
        tmp_path_factory.mktemp("job"),
        TINY,
        {
            "train": gzip.compress((SEED / "train.json").read_bytes()),
            "test": (SEED / "test.json").read_bytes(),
        },
    )
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("ML_CODE_OPT_ML", str(root))
        assert deepar.main(["train"]) == 0
    return root, out.getvalue()


@pytest.fixture(scope="module")
def model(trained: tuple[Path, str]) -> Any:
    return deepar.model_fn(str(trained[0] / "model"))


def test_training_job_prints_deepar_metrics_and_writes_model(trained: tuple[Path, str]) -> None:
    root, out = trained
    metrics = dict(re.findall(r"^#metric (\S+)=([-0-9.e]+)$", out, flags=re.M))
    assert {"test:RMSE", "test:mean_wQuantileLoss", "test:wQuantileLoss[0.1]", "train:final_loss"} <= set(
        metrics
    )
    assert 0 < float(metrics["test:RMSE"]) < 2 and 0 < float(metrics["test:mean_wQuantileLoss"]) < 1
    assert re.search(r"^epoch 2: train_loss=", out, flags=re.M) and "training on 3 series, 13 batches" in out
    assert (root / "model" / "predictor" / "prediction-net-state.pt").is_file()
    meta = json.loads((root / "model" / "deepar.json").read_text())
    assert meta["hyperparameters"]["num_cells"] == 8 and meta["features"] == {
        "cardinality": [],
        "num_dynamic": 0,
    }
    forecasts = [
        json.loads(line)
        for line in (root / "output" / "data" / "test_forecasts.json").read_text().splitlines()
    ]
    assert [f["start"] for f in forecasts] == [f"{y}-12-02 00:00:00" for y in (2007, 2008, 2009)]
    assert len(forecasts[0]["quantiles"]["0.9"]) == 30
    assert (root / "output" / "data" / "forecast_bands.png").stat().st_size > 10_000
    assert not list(Path.cwd().glob("lightning_logs")) and not list(Path.cwd().glob("checkpoints"))


def test_training_is_reproducible(
    trained: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _job(
        tmp_path,
        TINY,
        {"train": (SEED / "train.json").read_bytes(), "test": (SEED / "test.json").read_bytes()},
    )
    monkeypatch.setenv("ML_CODE_OPT_ML", str(root))
    assert deepar.main(["train"]) == 0
    again = (root / "output" / "data" / "test_forecasts.json").read_text()
    assert again == (trained[0] / "output" / "data" / "test_forecasts.json").read_text()


def _ask(model: Any, body: Any) -> list[dict[str, Any]]:
    data = deepar.input_fn(json.dumps(body), "application/json")
    return json.loads(deepar.output_fn(deepar.predict_fn(data, model), "application/json"))["predictions"]


def test_inference_documented_request_and_response(model: Any) -> None:
    target = json.loads((SEED / "train.json").read_text().splitlines()[0])["target"]
    body = {
        "instances": [
            {"start": "2007-01-01", "target": target},
            {"start": "2009-11-01", "target": [1.0, "NaN", 2.0]},
        ],
        "configuration": {
            "num_samples": 7,
            "output_types": ["mean", "quantiles", "samples"],
            "quantiles": ["0.1", "0.9"],
        },
    }
    p, short = _ask(model, body)
    assert len(p["mean"]) == 30 and set(p["quantiles"]) == {"0.1", "0.9"}
    assert np.array(p["samples"]).shape == (7, 30) and len(short["mean"]) == 30
    assert all(lo <= hi for lo, hi in zip(p["quantiles"]["0.1"], p["quantiles"]["0.9"], strict=True))
    assert set(_ask(model, {"instances": body["instances"]})[0]) == {"mean", "quantiles"}


def test_inference_jsonlines_for_batch_transform(model: Any) -> None:
    lines = (SEED / "train.json").read_text()
    out = deepar.output_fn(
        deepar.predict_fn(deepar.input_fn(lines, "application/jsonlines"), model), "application/jsonlines"
    )
    records = [json.loads(line) for line in out.decode().splitlines()]
    assert len(records) == 3 and len(records[2]["quantiles"]["0.5"]) == 30


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        ("", "application/json", 400, "empty"),
        ("{not json", "application/json", 400, "invalid JSON"),
        ('{"instances": [{"start": "2009-11-01"}]}', "application/json", 400, "target"),
        ('{"instances": [{"start": "2009-11-01", "target": [1, "x"]}]}', "application/json", 400, "not a"),
        ('{"instances": [{"start": "yesterday", "target": [1]}]}', "application/json", 400, "start"),
        ('{"instances": [{"start": "2009-11-01", "target": [1]}], "configuration": {"num_samples": 0}}',
         "application/json", 400, "num_samples"),
        ("1,2,3", "text/csv", 415, "content type"),
    ],
)  # fmt: skip
def test_bad_requests(body: str, content_type: str, status: int, message: str) -> None:
    with pytest.raises(BadRequest) as info:
        deepar.input_fn(body, content_type)
    assert info.value.status == status and message in str(info.value)


def test_unknown_accept_is_rejected() -> None:
    with pytest.raises(BadRequest) as info:
        deepar.output_fn([], "text/csv")
    assert info.value.status == 406


def test_categories_and_dynamic_features(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trained with `cat` and a `dynamic_feat`, requests need both, the feature prediction_length longer."""
    rng = np.random.default_rng(1)
    lines = []
    for i in range(4):
        feat = rng.normal(size=60)
        target = (5 + i + 2 * feat + rng.normal(0, 0.1, 60)).tolist()
        lines.append(
            json.dumps(
                {"start": "2020-01-01", "target": target, "cat": [i % 2], "dynamic_feat": [feat.tolist()]}
            )
        )
    hp = {"time_freq": "D", "context_length": "10", "prediction_length": "5", "epochs": "1", "num_cells": "4",
          "num_layers": "1", "num_eval_samples": "5", "likelihood": "gaussian"}  # fmt: skip
    root = _job(tmp_path, hp, {"train": "\n".join(lines).encode()})
    monkeypatch.setenv("ML_CODE_OPT_ML", str(root))
    assert deepar.main(["train"]) == 0
    trained = deepar.model_fn(str(root / "model"))
    assert trained.features.cardinality == (2,) and trained.features.num_dynamic == 1
    good = {"start": "2020-03-01", "target": [5.0] * 20, "cat": [1], "dynamic_feat": [[0.0] * 25]}
    assert len(_ask(trained, {"instances": [good]})[0]["mean"]) == 5
    for bad in (
        {**good, "cat": [2]},
        {**good, "dynamic_feat": [[0.0] * 20]},
        {k: good[k] for k in ("start", "target")},
    ):
        with pytest.raises(BadRequest):
            _ask(trained, {"instances": [bad]})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"epochs": "many"}, "epochs"),
        ({"likelihood": "deterministic-L1"}, "likelihood"),
        ({"time_freq": "fortnight"}, "time_freq"),
        ({"learning_rate": "-1"}, "learning_rate"),
        ({"test_quantiles": "[0.5, 1.5]"}, "test_quantiles"),
        ({"cardinality": "[0]"}, "cardinality"),
        ({"num_hidden": "3"}, "num_hidden"),
    ],
)
def test_bad_hyperparameters_name_the_field(change: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as info:
        _deepar_config.parse({**TINY, **change})
    assert info.value.field == field


def test_a_tuning_trials_objective_is_accepted() -> None:
    # the SageMaker SDK's tuner (and our stacks) put it in every built-in trial's hyperparameters
    assert _deepar_config.parse({**TINY, "_tuning_objective_metric": "test:RMSE"}) == _deepar_config.parse(
        TINY
    )


def test_config_defaults_and_frequencies() -> None:
    config = _deepar_config.parse(
        {"time_freq": "5min", "context_length": "4", "prediction_length": "2", "epochs": "1"}
    )
    assert (config.pandas_freq, config.likelihood, config.mini_batch_size, config.num_cells) == (
        "5min",
        "student-t",
        128,
        40,
    )
    assert _deepar_config.parse({**TINY, "time_freq": "H", "likelihood": "Gaussian"}).pandas_freq == "h"


def test_channel_errors_name_file_row_and_field(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        '{"start": "2007-01-01", "target": [1.0, 2.0]}\n{"start": "2007-01-01", "target": [1, true]}\n'
    )
    with pytest.raises(InputError) as info:
        read_channel(tmp_path)
    assert (info.value.row, info.value.field) == (2, "target")
    with pytest.raises(InputError, match="no files"):
        read_channel(tmp_path / "empty")
