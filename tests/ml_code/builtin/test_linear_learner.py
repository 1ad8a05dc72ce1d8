"""Local LinearLearner: hyperparameters, threshold calibration, the training job on the bundled fraud
sample, and the inference handlers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml_code.builtin import linear_learner as ll
from ml_code.builtin._linear_config import Hyperparameters
from ml_code.builtin._linear_model import calibrate
from ml_code.builtin._linear_training import train
from ml_code.common.errors import BadRequest, InputError
from ml_code.common.sm_env import JobFolder
from ml_code.fraud_detection import preprocess

DATA = Path(__file__).resolve().parents[3] / "data" / "creditcard"
Y = np.array([1, 1, 1, 0, 0, 0, 0, 0])
S = np.array([0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.05, 0.4])
CASE = {
    "predictor_type": "binary_classifier",
    "binary_classifier_model_selection_criteria": "precision_at_target_recall",
    "target_recall": "0.9",
    "positive_example_weight_mult": "balanced",
}


def test_hyperparameters_follow_sagemaker_names_and_defaults() -> None:
    hp = Hyperparameters.parse(
        {**CASE, "learning_rate": "auto", "num_models": "auto", "normalize_label": "false"}
    )
    assert hp.positive_example_weight_mult == "balanced" and hp.target_recall == 0.9
    assert (hp.epochs, hp.mini_batch_size, hp.num_models, hp.early_stopping_patience) == (15, 1000, 32, 3)
    assert hp.learning_rate is None and hp.feature_dim is None and hp.optimizer == "adam"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"predictor_type": "regressor"}, "predictor_type"),
        ({}, "predictor_type"),
        ({"predictor_type": "binary_classifier", "target_recall": "1.5"}, "target_recall"),
        ({"predictor_type": "binary_classifier", "epochs": "0"}, "epochs"),
        (
            {"predictor_type": "binary_classifier", "positive_example_weight_mult": "lots"},
            "positive_example_weight_mult",
        ),
        ({"predictor_type": "binary_classifier", "num_trees": "3"}, "num_trees"),
    ],
)
def test_bad_hyperparameters_name_the_hyperparameter(raw: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        Hyperparameters.parse(raw)
    assert caught.value.field == field and caught.value.file == "hyperparameters.json"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("target_recall", "0", "a number in (0, 1]"),
        ("learning_rate", "0", "a number > 0"),
        ("positive_example_weight_mult", "Balanced", "a number > 0, balanced or auto"),
    ],
)
def test_rejections_state_the_accepted_values(field: str, value: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        Hyperparameters.parse({**CASE, field: value})
    assert caught.value.expected == expected


def test_a_tuning_trial_trains_one_model_whatever_num_models_says() -> None:
    trial = Hyperparameters.parse(
        {**CASE, "num_models": "8", "_tuning_objective_metric": "validation:recall"}
    )
    assert trial.num_models == 1
    assert Hyperparameters.parse({**CASE, "num_models": "8"}).num_models == 8
    assert Hyperparameters.parse({**CASE, "_tuning_objective_metric": ""}).num_models == 32


@pytest.mark.parametrize(
    ("criterion", "extra", "threshold", "value"),
    [
        # thresholds cut midway below the last score flagged, e.g. (0.8 + 0.7) / 2
        ("precision_at_target_recall", {"target_recall": "0.6"}, 0.75, 1.0),  # recall 2/3 at precision 1
        ("precision_at_target_recall", {"target_recall": "1.0"}, 0.25, 0.6),  # all frauds: 3 of 5 flagged
        ("recall_at_target_precision", {"target_precision": "0.6"}, 0.25, 1.0),
        ("accuracy", {}, 0.75, 7 / 8),
        ("f_beta", {}, 0.75, 0.8),  # p=1, r=2/3
        ("f_beta", {"beta": "3"}, 0.25, 10 * 0.6 / (9 * 0.6 + 1)),  # recall-heavy beta: threshold moves down
    ],
)
def test_threshold_calibration_known_values(
    criterion: str, extra: dict[str, str], threshold: float, value: float
) -> None:
    raw = {"predictor_type": "binary_classifier", "binary_classifier_model_selection_criteria": criterion}
    hp = Hyperparameters.parse({**raw, **extra})
    assert calibrate(Y, S, hp) == (pytest.approx(threshold), pytest.approx(value))


def test_training_is_reproducible_and_separates_a_linear_problem() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4)) * [1, 5, 100, 0.1]  # unequal scales: normalize_data matters
    y = (x[:, 0] + 0.02 * x[:, 2] > 0.5).astype(int)
    hp = Hyperparameters.parse({**CASE, "mini_batch_size": "50", "epochs": "20", "num_models": "4"})
    first, second = train(x, y, hp, seed=0), train(x, y, hp, seed=0)
    assert first.model.threshold == second.model.threshold and np.array_equal(
        first.model.weights, second.model.weights
    )
    labels = first.model.labels(first.model.scores(x))
    assert (labels == y).mean() > 0.95 and labels[y == 1].mean() >= 0.9
    assert first.chosen["positive_example_weight_mult"] == pytest.approx((y == 0).sum() / (y == 1).sum())
    assert abs(first.model.weights[1]) < abs(first.model.weights[0])  # V1 carries no signal


def test_auto_weight_sgd_no_bias_and_training_loss_early_stopping() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] - x[:, 1] > 1.0).astype(int)
    raw = {"predictor_type": "binary_classifier", "positive_example_weight_mult": "auto", "optimizer": "sgd",
           "use_bias": "false", "num_models": "6", "mini_batch_size": "30", "learning_rate": "0.5",
           "epochs": "60", "early_stopping_patience": "2", "early_stopping_tolerance": "0.01"}  # fmt: skip
    result = train(x, y, Hyperparameters.parse(raw))  # no validation set: threshold and stopping on train
    balanced = (y == 0).sum() / (y == 1).sum()
    assert 1.0 <= result.chosen["positive_example_weight_mult"] <= balanced
    assert result.chosen["learning_rate"] == 0.5 and result.model.bias == 0.0
    assert result.chosen["epochs"] < 60  # the training loss stopped improving by 1% well before
    assert (result.model.labels(result.model.scores(x)) == y).mean() > 0.9
    with pytest.raises(InputError, match="loss"):
        Hyperparameters.parse({**raw, "loss": "hinge_loss"})


def _job(root: Path, hyperparameters: dict[str, str], channels: dict[str, Path]) -> None:
    job = JobFolder(root).write_training_config(hyperparameters, {channel: {} for channel in channels})
    for channel, source in channels.items():
        (job.channel(channel) / source.name).write_bytes(source.read_bytes())


@pytest.fixture(scope="module")
def splits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fraud-splits")
    argv = ["--input-dir", f"raw={DATA}", "--population-counts", "0=284315,1=492"]
    for name in ("train", "validation", "test", "holdout_features", "meta"):
        argv += ["--output-dir", f"{name}={out / name}"]
    assert preprocess.main(argv) == 0
    return out


def test_training_job_on_the_fraud_sample_prints_sagemaker_metrics(
    splits: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    channels = {c: splits / c / f"{c}.csv" for c in ("train", "validation", "test")}
    _job(tmp_path, {**CASE, "feature_dim": "30", "mini_batch_size": "100"}, channels)
    assert ll.main(["train"]) == 0
    out = capsys.readouterr().out.splitlines()
    found = dict(ln.removeprefix("#metric ").split("=") for ln in out if ln.startswith("#metric "))
    names = ("recall", "precision", "binary_classification_accuracy", "binary_f_beta", "objective_loss")
    assert set(found) == {"train:objective_loss"} | {
        f"{s}:{n}" for s in ("validation", "test") for n in names
    }
    value = {name: float(text) for name, text in found.items()}
    assert value["validation:recall"] >= 0.9  # the threshold was calibrated there for target_recall 0.9
    assert (
        value["test:recall"] > 0.8
        and value["test:precision"] > 0.85
        and value["test:binary_classification_accuracy"] > 0.9
    )
    model = ll.model_fn(str(tmp_path / "model"))
    assert model.feature_dim == 30 and 0 < model.threshold < 1

    features = (splits / "holdout_features" / "test.csv").read_text()
    records = ll.predict_fn(ll.input_fn(features, "text/csv"), model)
    test = np.loadtxt(channels["test"], delimiter=",")
    accuracy = np.mean([r["predicted_label"] == y for r, y in zip(records, test[:, 0], strict=True)])
    assert accuracy == pytest.approx(value["test:binary_classification_accuracy"], abs=1e-6)


def test_training_job_failures_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    bad = tmp_path / "src" / "train.csv"
    bad.parent.mkdir()
    bad.write_text("1,0.5,2.0\n0,0.1,1.0\n2,0.3,0.0\n")
    _job(tmp_path, {"predictor_type": "binary_classifier"}, {"train": bad})
    assert ll.main(["train"]) == 2
    failure = (tmp_path / "output" / "failure").read_text()
    assert "row 3" in failure and "'label'" in failure
    (tmp_path / "input" / "config" / "hyperparameters.json").write_text(
        '{"predictor_type": "multiclass_classifier"}'
    )
    assert ll.main(["train"]) == 2
    assert "predictor_type" in (tmp_path / "output" / "failure").read_text()
    # a good train channel but a test channel with a column too many: fails before writing a model
    bad.write_text("1,0.5,2.0\n0,0.1,1.0\n1,0.3,0.0\n0,0.2,0.1\n")
    (tmp_path / "input" / "data" / "train" / "train.csv").write_bytes(bad.read_bytes())
    (tmp_path / "input" / "data" / "test").mkdir()
    (tmp_path / "input" / "data" / "test" / "test.csv").write_text("1,0.5,2.0,7\n")
    (tmp_path / "input" / "config" / "hyperparameters.json").write_text(
        '{"predictor_type": "binary_classifier"}'
    )
    assert ll.main(["train"]) == 2
    assert "feature_dim=2" in (tmp_path / "output" / "failure").read_text()
    assert not (tmp_path / "model").exists()


def test_a_bad_label_is_located_by_file_and_line_across_a_channels_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_CODE_OPT_ML", str(tmp_path))
    first = tmp_path / "src" / "part-1.csv"
    first.parent.mkdir()
    first.write_text("1,0.5,2.0\n0,0.1,1.0\n")
    _job(tmp_path, {"predictor_type": "binary_classifier"}, {"train": first})
    second = tmp_path / "input" / "data" / "train" / "part-2.csv"
    second.write_text("0,0.2,0.1\n\n1,0.3,0.0\n2,0.4,0.2\n")  # a blank line, then the bad label on line 4
    assert ll.main(["train"]) == 2
    failure = (tmp_path / "output" / "failure").read_text()
    assert str(second) in failure and "row 4" in failure and "'label'" in failure


def _model(tmp_path: Path) -> ll.LinearModel:
    from ml_code.builtin._linear_model import LinearModel

    model = LinearModel(np.array([1.0, -2.0]), 0.5, np.zeros(2), np.ones(2), threshold=0.6)
    (tmp_path / ll.MODEL_FILE).write_text(json.dumps(model.to_json()))
    return ll.model_fn(str(tmp_path))


def test_inference_formats(tmp_path: Path) -> None:
    model = _model(tmp_path)
    csv = ll.predict_fn(ll.input_fn(b"1,0\n0,1\n", "text/csv; charset=utf-8"), model)
    sigmoid = 1 / (1 + np.exp(-np.array([1.5, -1.5])))
    assert [r["score"] for r in csv] == pytest.approx(sigmoid.tolist())
    assert [r["predicted_label"] for r in csv] == [1, 0] and all(
        type(r["predicted_label"]) is int for r in csv
    )
    body = json.dumps({"instances": [{"features": [1, 0]}, {"features": [0, 1]}]})
    assert ll.predict_fn(ll.input_fn(body, "application/json"), model) == csv
    as_json = json.loads(ll.output_fn(csv, "application/json"))
    assert as_json == {"predictions": csv}
    lines = ll.output_fn(csv, "application/jsonlines").decode().splitlines()
    assert [json.loads(line) for line in lines] == csv


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"", "text/csv", 400, "empty"),
        (b"1,2,3\n", "text/csv", 400, "expects 2"),
        (b"1,x\n", "text/csv", 400, "not a number"),
        (b"1,2\n3\n", "text/csv", 400, "record 2"),
        (b'{"instances": [{"features": [1]}]}', "application/json", 400, "expects 2"),
        (b'{"rows": []}', "application/json", 400, "instances"),
        (b"1,2\n", "application/x-recordio-protobuf", 415, "not supported"),
    ],
)
def test_bad_requests(tmp_path: Path, body: bytes, content_type: str, status: int, message: str) -> None:
    model = _model(tmp_path)
    with pytest.raises(BadRequest, match=message) as caught:
        ll.predict_fn(ll.input_fn(body, content_type), model)
    assert caught.value.status == status


def test_unknown_accept_is_406(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as caught:
        ll.output_fn([{"score": 0.5, "predicted_label": 0}], "text/html")
    assert caught.value.status == 406
