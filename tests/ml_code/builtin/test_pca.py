"""Local PCA: same components as scikit-learn in SageMaker's order, the training job contract, and the
inference handlers' formats and 4xx errors (also covers the shared `_csv` / `_serving` helpers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA

from ml_code.builtin import pca
from ml_code.common.errors import BadRequest
from ml_code.common.sm_env import JobFolder
from ml_code.population_segmentation import preprocess

CENSUS = Path(__file__).resolve().parents[3] / "data" / "census" / "acs2015_county_data.csv"
HYPERPARAMETERS = {"feature_dim": "34", "num_components": "33", "mini_batch_size": "300"}


@pytest.fixture(scope="module")
def scaled() -> np.ndarray:
    values, _ = preprocess.prepare(preprocess.read_census(CENSUS), CENSUS)
    return values.to_numpy()


@pytest.fixture(scope="module")
def model(scaled: np.ndarray) -> pca.PcaModel:
    return pca.fit(scaled, 33, mode="regular", subtract_mean=True, extra_components=-1)


def _job(
    root: Path, hyperparameters: dict[str, str], train: str, content_type: str = "text/csv;label_size=0"
) -> Path:
    job = JobFolder(root).write_training_config(hyperparameters, {"train": {"ContentType": content_type}})
    (job.channel("train") / "part-0.csv").write_text(train)
    return root


def _csv(rows: np.ndarray) -> str:
    return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows)


def test_regular_fit_matches_scikit_learn_smallest_component_first(
    scaled: np.ndarray, model: pca.PcaModel
) -> None:
    reference = PCA(33, svd_solver="full").fit(scaled)
    assert model.singular_values == pytest.approx(reference.singular_values_[::-1], rel=1e-10)
    assert np.all(np.diff(model.singular_values) > 0)
    top7 = (model.singular_values[-7:] ** 2).sum() / (model.singular_values**2).sum()
    assert round(top7, 4) == 0.8017
    ours, theirs = model.project(scaled), reference.transform(scaled)[:, ::-1]
    assert np.abs(ours) == pytest.approx(np.abs(theirs), abs=1e-9)  # each component is defined up to sign


def test_randomized_and_uncentred_modes(scaled: np.ndarray, model: pca.PcaModel) -> None:
    randomized = pca.fit(scaled, 7, mode="randomized", subtract_mean=True, extra_components=-1)
    assert randomized.singular_values == pytest.approx(model.singular_values[-7:], rel=1e-6)
    uncentred = pca.fit(scaled, 5, mode="regular", subtract_mean=False, extra_components=-1)
    assert np.all(uncentred.mean == 0)
    assert uncentred.singular_values == pytest.approx(np.linalg.svd(scaled, compute_uv=False)[:5][::-1])


def test_train_job_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scaled: np.ndarray) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(_job(tmp_path, HYPERPARAMETERS, _csv(scaled))))
    assert pca.main(["train"]) == 0
    loaded = pca.model_fn(str(tmp_path / "model"))
    assert loaded.components.shape == (34, 33) and loaded.feature_dim == 34
    expected = pca.fit(scaled, 33, mode="regular", subtract_mean=True, extra_components=-1)
    assert loaded.project(scaled[:5]) == pytest.approx(expected.project(scaled[:5]))
    assert not (tmp_path / "output" / "failure").exists()


@pytest.mark.parametrize(
    ("change", "content_type", "reason"),
    [
        (
            {"feature_dim": "30", "num_components": "10"},
            "text/csv",
            "field 'feature_dim': data has 34 columns",
        ),
        ({"num_components": "40"}, "text/csv", "field 'num_components'"),
        ({"algorithm_mode": "fast"}, "text/csv", "field 'algorithm_mode'"),
        ({"subtract_mean": "yes"}, "text/csv", "field 'subtract_mean'"),
        (
            {"mini_batch_size": None},
            "text/csv",
            "field 'mini_batch_size': required hyperparameter is missing",
        ),
        ({}, "text/csv;label_size=1", "field 'label_size': label_size=1 (expected 0)"),
        ({}, "application/x-recordio-protobuf", "is not supported locally"),
    ],
)
def test_bad_job_fails_with_reason_and_no_model(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scaled: np.ndarray,
    change: dict,
    content_type: str,
    reason: str,
) -> None:
    hyperparameters = {k: v for k, v in {**HYPERPARAMETERS, **change}.items() if v is not None}
    monkeypatch.setenv(
        "ML_CODE_OPT_ML", str(_job(tmp_path, hyperparameters, _csv(scaled[:50]), content_type))
    )
    assert pca.main(["train"]) == 2
    assert reason in (tmp_path / "output" / "failure").read_text()
    assert not (tmp_path / "model" / pca.MODEL_FILE).exists()


def test_bad_csv_cell_is_named_by_file_row_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ["0.1,0.2,0.3"] * 4
    rows[2] = "0.1,abc,0.3"
    monkeypatch.setenv(
        "ML_CODE_OPT_ML",
        str(_job(tmp_path, {**HYPERPARAMETERS, "feature_dim": "3", "num_components": "2"}, "\n".join(rows))),
    )
    assert pca.main(["train"]) == 2
    failure = (tmp_path / "output" / "failure").read_text()
    assert "part-0.csv, row 3, field 'column 1': 'abc' is not a number" in failure


def test_csv_and_json_requests_give_sagemaker_shaped_responses(
    scaled: np.ndarray, model: pca.PcaModel
) -> None:
    from_csv = pca.input_fn(_csv(scaled[:2]).encode(), "text/csv")
    body = json.dumps({"instances": [{"features": row.tolist()} for row in scaled[:2]]})
    from_json = pca.input_fn(body, "application/json")
    assert np.array_equal(from_csv, from_json)
    response = json.loads(pca.output_fn(pca.predict_fn(from_csv, model), "application/json"))
    assert [len(r["projection"]) for r in response["projections"]] == [33, 33]
    assert response["projections"][1]["projection"] == pytest.approx(model.project(scaled[1:2])[0].tolist())
    lines = pca.output_fn(pca.predict_fn(from_json, model), "application/jsonlines").decode().splitlines()
    assert [list(json.loads(line)) for line in lines] == [["projection"], ["projection"]]


def test_every_documented_request_form_reads_the_same_rows() -> None:
    # https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-inference.html: dense, "data" and sparse forms
    expected = np.array([[1.5, 0.0, 14.0], [-2.0, 0.5, 0.0]])
    forms = [
        ({"features": [1.5, 0.0, 14.0]}, {"features": [-2.0, 0.5, 0.0]}),
        ({"data": {"features": [1.5, 0.0, 14.0]}}, {"data": {"features": {"values": [-2.0, 0.5, 0.0]}}}),
        (
            {"data": {"features": {"keys": [0, 2], "values": [1.5, 14.0], "shape": [3]}}},
            {"data": {"features": {"keys": [1, 0], "values": [0.5, -2.0], "shape": [3]}}},
        ),
    ]
    for first, second in forms:
        assert np.array_equal(
            pca.input_fn(json.dumps({"instances": [first, second]}), "application/json"), expected
        )
        lines = f"{json.dumps(first)}\n{json.dumps(second)}\n"
        assert np.array_equal(pca.input_fn(lines, "application/jsonlines"), expected)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"", "text/csv", 400, "request body is empty"),
        (
            '{"data": {"features": {"keys": [3], "values": [1.0], "shape": [3]}}}',
            "application/jsonlines",
            400,
            "below shape",
        ),
        ('{"features": [1, 2]}\n\n\n{', "application/jsonlines", 400, "line 4 is not valid JSON"),
        (
            '{"instances": [{"data": {"features": {"keys": [0], "values": [1], "shape": [10000000000]}}}]}',
            "application/json",
            400,
            "at most 100000",
        ),
        (
            '{"data": {"features": {"keys": [true], "values": [1.0], "shape": [2]}}}',
            "application/jsonlines",
            400,
            "integer keys",
        ),
        ('{"instances": ' + "[" * 100_000 + "]" * 100_000 + "}", "application/json", 400, "too deeply"),
        ('{"instances": [{"features": [1' + "0" * 400 + ", 2]}]}", "application/json", 400, "too large"),
        ('{"instances": [{"data": {}}]}', "application/json", 400, 'expected "features"'),
        (b"\xff\xfe", "text/csv", 400, "not UTF-8"),
        ("1,2\n1,2,3", "text/csv", 400, "record 2: 3 values, expected 2"),
        ("1,abc", "text/csv", 400, "not a number"),
        ("1,nan", "text/csv", 400, "finite"),
        ("1,2", "application/x-recordio-protobuf", 415, "not supported"),
        ('{"instances": []}', "application/json", 400, "at least one instance"),
        ('{"instances": [{"features": [1, "a"]}]}', "application/json", 400, "not a number"),
        ("{", "application/json", 400, "not valid JSON"),
    ],
)
def test_bad_requests(body: bytes | str, content_type: str, status: int, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as err:
        pca.input_fn(body, content_type)
    assert err.value.status == status


def test_wrong_width_and_unknown_accept(model: pca.PcaModel) -> None:
    with pytest.raises(BadRequest, match="3 values; this model expects feature_dim=34"):
        pca.predict_fn(pca.input_fn("1,2,3", "text/csv"), model)
    with pytest.raises(BadRequest) as err:
        pca.output_fn(np.zeros((1, 33)), "text/html")
    assert err.value.status == 406
