"""Local k-means: recovers known clusters reproducibly, prints SageMaker's metrics, and answers
inference requests in the real algorithm's format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from ml_code.builtin import _csv, _hyperparameters, kmeans
from ml_code.common.errors import BadRequest, InputError
from ml_code.common.sm_env import JobFolder

TRUE_CENTERS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])


def _blobs(n_per_cluster: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([c + rng.standard_normal((n_per_cluster, 2)) for c in TRUE_CENTERS])


def _settings(**hyperparameters: str) -> kmeans.Settings:
    return kmeans.Settings.parse(_hyperparameters.Hyperparameters({"k": "3", **hyperparameters}))


def _match_error(centers: np.ndarray) -> float:
    """Largest distance from a true center to its own learned one (each learned center used once)."""
    distances = np.linalg.norm(TRUE_CENTERS[:, None, :] - centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    assert sorted(nearest) == [0, 1, 2]
    return float(distances[np.arange(3), nearest].max())


def _job(root: Path, hyperparameters: dict[str, str], channels: dict[str, np.ndarray]) -> Path:
    job = JobFolder(root).write_training_config(
        hyperparameters, {c: {"ContentType": "text/csv"} for c in channels}
    )
    for name, rows in channels.items():
        np.savetxt(job.channel(name) / f"{name}.csv", rows, delimiter=",", fmt="%.17g")
    return root


@pytest.mark.parametrize(
    "hyperparameters",
    [
        {},
        {"init_method": "kmeans++", "local_lloyd_init_method": "random", "local_lloyd_num_trials": "3"},
        {"mini_batch_size": "100", "epochs": "3", "extra_center_factor": "4"},
    ],
)
def test_recovers_known_centers_reproducibly(hyperparameters: dict[str, str]) -> None:
    x = _blobs(300, seed=1)
    model = kmeans.fit(x, _settings(**hyperparameters))
    assert _match_error(model.centers) < 0.25
    assert np.array_equal(kmeans.fit(x, _settings(**hyperparameters)).centers, model.centers)


def test_train_job_prints_train_and_test_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    train, test = _blobs(200, seed=2), _blobs(50, seed=3)
    hyperparameters = {"k": "3", "feature_dim": "2", "eval_metrics": '["msd","ssd"]'}
    monkeypatch.setenv("ML_CODE_OPT_ML", str(_job(tmp_path, hyperparameters, {"train": train, "test": test})))
    assert kmeans.main(["train"]) == 0
    metrics = dict(re.findall(r"^#metric (\S+)=(\S+)$", capsys.readouterr().out, flags=re.M))
    assert set(metrics) == {"train:msd", "train:ssd", "test:msd", "test:ssd"}
    model = kmeans.model_fn(str(tmp_path / "model"))
    squared = model.assign(test)[1] ** 2
    assert float(metrics["test:msd"]) == pytest.approx(squared.mean(), rel=1e-5)
    assert float(metrics["test:ssd"]) == pytest.approx(squared.sum(), rel=1e-5)
    assert float(metrics["test:msd"]) == pytest.approx(2.0, abs=0.4)  # unit-variance 2-D blobs: E|x-c|^2 = 2


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"eval_metrics": '["rmse"]'}, "field 'eval_metrics'"),
        ({"k": "0"}, "field 'k'"),
        ({"k": "1000"}, "field 'k': only 600 rows"),
        ({"feature_dim": "3"}, "field 'feature_dim': data has 2 columns"),
        ({"init_method": "forgy"}, "field 'init_method'"),
        ({"tol": "-1"}, "field 'tol'"),
    ],
)
def test_bad_job_fails_with_reason_and_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, str], reason: str
) -> None:
    hyperparameters = {"k": "3", "feature_dim": "2", **change}
    monkeypatch.setenv("ML_CODE_OPT_ML", str(_job(tmp_path, hyperparameters, {"train": _blobs(200, seed=4)})))
    assert kmeans.main(["train"]) == 2
    assert reason in (tmp_path / "output" / "failure").read_text()
    assert not (tmp_path / "model" / kmeans.MODEL_FILE).exists()


def test_inference_returns_float_cluster_and_euclidean_distance() -> None:
    model = kmeans.KMeansModel(TRUE_CENTERS)
    data = kmeans.input_fn(b"0,1\n9,0\n3,4", "text/csv")
    response = json.loads(kmeans.output_fn(kmeans.predict_fn(data, model), "application/json"))
    assert response == {
        "predictions": [
            {"closest_cluster": 0.0, "distance_to_cluster": 1.0},
            {"closest_cluster": 1.0, "distance_to_cluster": 1.0},
            {"closest_cluster": 0.0, "distance_to_cluster": 5.0},
        ]
    }
    assert all(isinstance(p["closest_cluster"], float) for p in response["predictions"])
    body = json.dumps({"instances": [{"features": [0.5, 9.0]}]})
    lines = kmeans.output_fn(
        kmeans.predict_fn(kmeans.input_fn(body, "application/json"), model), "application/jsonlines"
    )
    assert [json.loads(line) for line in lines.decode().splitlines()] == [
        {"closest_cluster": 2.0, "distance_to_cluster": pytest.approx(np.hypot(0.5, 1.0))}
    ]


def test_bad_inference_requests() -> None:
    model = kmeans.KMeansModel(TRUE_CENTERS)
    with pytest.raises(BadRequest, match="expects feature_dim=2"):
        kmeans.predict_fn(kmeans.input_fn("1,2,3", "text/csv"), model)
    with pytest.raises(BadRequest) as err:
        kmeans.input_fn("1,2", "application/x-protobuf")
    assert err.value.status == 415
    with pytest.raises(BadRequest) as err:
        kmeans.output_fn((np.array([0]), np.array([1.0])), "text/csv")
    assert err.value.status == 406
    with pytest.raises(InputError, match="no k-means model"):
        kmeans.model_fn("/nonexistent")


def test_channel_files_are_read_in_name_order_and_bad_rows_named(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("3,4\n")
    (tmp_path / "a.csv").write_text("1,2\n\n")
    (tmp_path / ".hidden").write_text("not,data,at,all\n")
    assert _csv.read_feature_csv(tmp_path).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    (tmp_path / "c.csv").write_text("5,6\n7,8,9\n")
    with pytest.raises(InputError) as err:
        _csv.read_feature_csv(tmp_path)
    assert (err.value.file, err.value.row) == (str(tmp_path / "c.csv"), 2)
    assert "3 columns (expected 2 columns)" in str(err.value)
