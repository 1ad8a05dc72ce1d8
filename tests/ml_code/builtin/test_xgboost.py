"""Local XGBoost: the training job on a generated data set (evaluation lines, metric lines SageMaker's
regexes and the local runtime both read, early stopping, the saved model), input errors by file and
row, and the inference handlers' formats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xgboost

from local_runtime.sagemaker.metrics import builtin_metrics
from ml_code.builtin import xgboost as xgb_algo
from ml_code.builtin._xgboost_config import TrainingConfig
from ml_code.builtin._xgboost_data import read_channel
from ml_code.builtin._xgboost_metrics import DEFINITION_REGEX
from ml_code.builtin._xgboost_serving import XGBoostModel
from ml_code.builtin._xgboost_training import Examples, Trained, train
from ml_code.common.errors import BadRequest, InputError
from ml_code.common.sm_env import JobFolder

ROOT = Path(__file__).resolve().parents[3]
CSV = {"ContentType": "text/csv"}
HP = {"num_round": "60", "objective": "binary:logistic", "eval_metric": "logloss,aucpr", "max_depth": "3",
      "early_stopping_rounds": "5", "_tuning_objective_metric": "validation:aucpr"}  # fmt: skip


def _data(seed: int = 0, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] - x[:, 1] ** 2 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return x, y


def _job(root: Path, hp: dict[str, str], channels: dict[str, str], config: dict[str, str] | None = None
         ) -> JobFolder:  # fmt: skip
    """A job folder with CSV channels (`name -> file text`) and each channel's config."""
    job = JobFolder(root).write_training_config(hp, {name: config or CSV for name in channels})
    for name, text in channels.items():
        (job.channel(name) / f"{name}.csv").write_text(text)
    return job


def _csv(y: np.ndarray, x: np.ndarray) -> str:
    return "".join(
        ",".join(f"{v:.6g}" for v in (label, *row)) + "\n" for label, row in zip(y, x, strict=True)
    )


@pytest.fixture
def trained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
            ) -> tuple[JobFolder, str, Trained]:  # fmt: skip
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    x, y = _data()
    job = _job(tmp_path, HP, {"train": _csv(y[:400], x[:400]), "validation": _csv(y[400:], x[400:])})
    result = xgb_algo.run_training()
    return job, capsys.readouterr().out, result


def test_each_round_is_logged_as_xgboost_logs_it_and_the_last_one_reported(
    trained: tuple[JobFolder, str, Trained],
) -> None:
    _, out, result = trained
    rounds = [ln for ln in out.splitlines() if ln.startswith("[")]
    assert re.fullmatch(r"\[0\]\ttrain-aucpr:[0-9.]+\ttrain-logloss:[0-9.]+\tvalidation-aucpr:[0-9.]+"
                        r"\tvalidation-logloss:[0-9.]+", rounds[0])  # fmt: skip
    reported = builtin_metrics(out)  # what the local runtime records as FinalMetricDataList
    names = {f"{s}:{m}" for s in ("train", "validation") for m in ("aucpr", "logloss")}
    assert set(reported) == names
    cloudwatch = out.replace("\t", "#011")  # the job's log stream, which SageMaker's regexes read
    for name in names:
        split, metric = name.split(":")
        last = re.findall(DEFINITION_REGEX.format(split=split, name=metric), cloudwatch)[-1]
        assert float(last) == reported[name]
    assert reported["validation:aucpr"] == round(result.history["validation"]["aucpr"][-1], 5)
    assert reported["validation:aucpr"] > 0.8


def test_early_stopping_keeps_the_best_round_and_the_model_serves_it(
    trained: tuple[JobFolder, str, Trained],
) -> None:
    job, out, result = trained
    logged = len([ln for ln in out.splitlines() if ln.startswith("[")])
    scores = result.history["validation"]["aucpr"]
    assert logged == len(scores) < 60  # stopped 5 rounds after the best validation aucpr
    assert result.booster.num_boosted_rounds() == int(np.argmax(scores)) + 1 == logged - 5
    assert sorted(p.name for p in job.model.iterdir()) == ["xgboost-model"]
    model = xgb_algo.model_fn(str(job.model))
    assert (model.objective, model.num_features) == ("binary:logistic", 4)
    x, _ = _data(seed=1, n=5)
    body = "\n".join(",".join(map(str, row)) for row in x)
    served = xgb_algo.predict_fn(xgb_algo.input_fn(body, "text/csv"), model)
    assert np.array_equal(served, result.predict(x))


def test_the_module_runs_as_sagemaker_starts_it(tmp_path: Path) -> None:
    """`python -m ml_code.builtin.xgboost train` imports the XGBoost library, not itself."""
    x, y = _data(n=120)
    _job(tmp_path, {"num_round": "3", "objective": "binary:logistic"}, {"train": _csv(y, x)})
    env = {**os.environ, "ML_CODE_OPT_ML": str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "ml_code.builtin.xgboost", "train"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "#metric train:logloss=" in run.stdout and (tmp_path / "model" / "xgboost-model").is_file()


def test_container_metrics_are_computed_as_the_container_computes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 3.0-5 container thresholds at 0 what XGBoost hands `custom_metric` (probabilities since
    XGBoost 1.6): every binary:logistic row counts as positive, so accuracy is the positive share."""
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    x, y = _data(n=300)
    hp = {"num_round": "3", "objective": "binary:logistic", "eval_metric": "accuracy"}
    _job(tmp_path, hp, {"train": _csv(y[:200], x[:200]), "validation": _csv(y[200:], x[200:])})
    assert xgb_algo.main(["train"]) == 0
    reported = builtin_metrics(capsys.readouterr().out)
    assert reported["validation:accuracy"] == pytest.approx(y[200:].mean(), abs=1e-5)
    assert "validation:logloss" in reported  # XGBoost's default metric is evaluated besides


@pytest.mark.parametrize(
    ("hp", "files", "config", "where", "field"),
    [
        ({"objective": "binary:logistic"}, {"a.csv": "1,0.5\n0,0.1\n", "b.csv": "0,1\n\n2,3\n"}, CSV,
         ("b.csv", 3), "label"),
        ({}, {"a.csv": "1,0.5\n,0.1\n"}, CSV, ("a.csv", 2), "label"),
        ({"objective": "binary:logistic"}, {"a.csv": "1,0.5\n0,x\n"}, CSV, ("a.csv", 2), "column 1"),
        ({}, {"a.csv": "1,0.5\n"}, {}, ("channel train", None), None),
        ({}, {"a.csv": "1,0.5\n"}, {"ContentType": "text/csv;label_size=0"}, ("channel train", None),
         "label_size"),
        ({"max_depth": "-2"}, {"a.csv": "1,0.5\n"}, CSV, ("hyperparameters.json", None), "max_depth"),
    ],
)  # fmt: skip
def test_bad_input_is_named_by_file_row_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hp: dict[str, str], files: dict[str, str],
    config: dict[str, str], where: tuple[str, int | None], field: str | None,
) -> None:  # fmt: skip
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    job = JobFolder(tmp_path).write_training_config({"num_round": "2", **hp}, {"train": config})
    for name, text in files.items():
        (job.channel("train") / name).write_text(text)
    with pytest.raises(InputError) as caught:
        xgb_algo.run_training()
    assert caught.value.file.endswith(where[0]) and caught.value.row == where[1]
    assert caught.value.field == field
    assert xgb_algo.main(["train"]) == 2 and not job.model.joinpath("xgboost-model").exists()
    assert str(caught.value) in job.failure.read_text()


def test_empty_feature_cells_are_missing_values_and_weights_come_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    x, y = _data(n=200)
    x[::7, 2] = np.nan
    rows = [",".join([str(label), "2", *("" if np.isnan(v) else f"{v:.6g}" for v in row)])
            for label, row in zip(y, x, strict=True)]  # fmt: skip
    _job(tmp_path, {"num_round": "2", "objective": "binary:logistic", "csv_weights": "1"},
         {"train": "\n".join(rows) + "\n"})  # fmt: skip
    channel = read_channel("train", csv_weights=True)
    assert channel.weights is not None and set(channel.weights.tolist()) == {2.0}
    assert np.array_equal(np.isnan(channel.x), np.isnan(x))
    assert xgb_algo.run_training().booster.num_features() == 4


def test_validation_must_have_the_training_features(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    x, y = _data(n=50)
    _job(tmp_path, {"num_round": "2"}, {"train": _csv(y, x), "validation": _csv(y, x[:, :3])})
    with pytest.raises(InputError, match="3 features") as caught:
        xgb_algo.run_training()
    assert caught.value.expected == "4, as in train" and caught.value.file.endswith("validation")


# -- inference -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> XGBoostModel:
    x, y = _data(n=200)
    config = TrainingConfig.parse({"num_round": "5", "objective": "binary:logistic"})
    folder = tmp_path_factory.mktemp("model")
    xgb_algo.save_model(train(config, Examples(x, y), echo=False).booster, folder)
    return xgb_algo.model_fn(str(folder))


def _answer(model: XGBoostModel, body: str, content_type: str, accept: str) -> bytes:
    return xgb_algo.output_fn(xgb_algo.predict_fn(xgb_algo.input_fn(body, content_type), model), accept)


def test_csv_in_one_probability_a_line_out(model: XGBoostModel) -> None:
    x, _ = _data(seed=2, n=3)
    body = "\n".join(",".join(map(str, row)) for row in x) + "\n"
    text = _answer(model, body, "text/csv; charset=utf-8", "text/csv").decode()
    expected = model.booster.predict(xgboost.DMatrix(x)).tolist()
    assert text == "".join(f"{p}\n" for p in expected)  # float32 shown as the container shows it
    assert all(0 < p < 1 for p in map(float, text.split()))
    assert _answer(model, body, "text/csv", "") == _answer(model, body, "text/csv", "*/*") == text.encode()
    assert _answer(model, body, "text/csv", "application/jsonlines") == text.encode()
    assert json.loads(_answer(model, body, "text/csv", "application/json")) == {
        "predictions": [{"score": p} for p in expected]
    }


def test_missing_values_and_libsvm_records(model: XGBoostModel) -> None:
    dense = _answer(model, "0.5,,1.0,\n", "text/csv", "text/csv")
    sparse = _answer(model, "1 0:0.5 2:1.0", "text/libsvm", "text/csv")  # the label token is ignored
    assert dense == sparse


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        ("1,2,3,4", "application/json", 415, "not supported"),
        ("1,2,x,4", "text/csv", 415, "record 1: 'x' is not a number"),
        ("1,2,3,4\n\n1,2,3,4", "text/csv", 415, "record 2 is empty"),
        ("1,2,3,4\n1,2,3", "text/csv", 415, "record 2 has 3 values"),
        ("1,2,inf,4", "text/csv", 415, "infinite"),
        ("0,1,2,3,4", "text/csv", 400, "5 feature values; this model takes 4 features .send the features"),
        ("1,2,3", "text/csv", 400, "3 feature values"),
        ("0:1 7:2", "text/libsvm", 400, "8 feature indices"),
        ("", "text/csv", 400, "empty"),
    ],
)
def test_bad_requests(model: XGBoostModel, body: str, content_type: str, status: int, message: str
                      ) -> None:  # fmt: skip
    with pytest.raises(BadRequest, match=message) as caught:
        xgb_algo.predict_fn(xgb_algo.input_fn(body, content_type), model)
    assert caught.value.status == status


def test_unsupported_accept_is_406(model: XGBoostModel) -> None:
    with pytest.raises(BadRequest) as caught:
        _answer(model, "1,2,3,4", "text/csv", "application/x-recordio-protobuf")
    assert caught.value.status == 406
