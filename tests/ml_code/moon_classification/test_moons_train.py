"""Script-mode training end to end, with the folders given the way SageMaker gives them (SM_* variables)."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
import torch

from ml_code.moon_classification import model, preprocess, train

DATA = Path(__file__).resolve().parents[3] / "data" / "moons"


@pytest.fixture
def job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder shaped like /opt/ml with the bundled split in the train and test channels."""
    root = tmp_path / "opt_ml"
    for channel in ("train", "test"):
        (root / "input" / "data" / channel).mkdir(parents=True)
        shutil.copy(DATA / f"{channel}.csv", root / "input" / "data" / channel / f"{channel}.csv")
    monkeypatch.setenv("ML_CODE_OPT_ML", str(root))
    monkeypatch.setenv("SM_CHANNEL_TRAIN", str(root / "input" / "data" / "train"))
    monkeypatch.setenv("SM_CHANNEL_TEST", str(root / "input" / "data" / "test"))
    monkeypatch.setenv("SM_MODEL_DIR", str(root / "model"))
    monkeypatch.setenv("SM_OUTPUT_DATA_DIR", str(root / "output" / "data"))
    return root


def _metric(name: str, log: str) -> float:
    found = re.findall(rf"{name}:accuracy=([0-9\.]+);", log)  # as the job's MetricDefinitions parse it
    assert len(found) == 1, log
    return float(found[0])


def test_default_hyperparameters_reach_the_target(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    threads = torch.get_num_threads()
    assert train.main([]) == 0
    log = capsys.readouterr().out
    assert _metric("test", log) >= 0.93
    assert _metric("validation", log) >= 0.8  # 45 held-out rows: noisy, but far above chance
    losses = [float(v) for v in re.findall(r"^(?:validation|test):loss=([0-9\.]+);$", log, flags=re.M)]
    assert len(losses) == 2 and all(0 < v < 0.4 for v in losses)  # log(2) = 0.69 is a coin flip
    assert len(re.findall(r"^epoch \d+/100 train_loss=", log, flags=re.M)) == 5
    assert torch.get_num_threads() == threads  # fit restores torch's global settings
    assert sorted(p.name for p in (job / "model").iterdir()) == sorted(
        ["code", model.INFO_FILE, model.MODEL_FILE]
    )
    # the serving container imports SAGEMAKER_PROGRAM from code/: the module and its own imports
    code = job / "model" / "code"
    shipped = {p.relative_to(code).as_posix() for p in code.rglob("*.py")}
    assert "ml_code/moon_classification/inference.py" in shipped
    assert {
        "ml_code/__init__.py",
        "ml_code/common/errors.py",
        "ml_code/moon_classification/model.py",
    } <= shipped
    assert "ml_code/moon_classification/train.py" not in shipped and "ml_code/builtin/pca.py" not in shipped
    assert model.load(job / "model").info == model.ModelInfo(2, 24, 1)
    assert (job / "output" / "data" / train.PLOT_FILE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_weights(job: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quick = ["--epochs", "3", "--hidden_dim", "8", "--seed", "7"]
    weights = []
    for run in ("a", "b", "c"):
        seed = ["--seed", "8"] if run == "c" else []
        assert train.main([*quick, *seed, "--model-dir", str(tmp_path / run)]) == 0
        weights.append(torch.load(tmp_path / run / model.MODEL_FILE, weights_only=True))
    same = [torch.equal(weights[0][k], weights[1][k]) for k in weights[0]]
    other = [torch.equal(weights[0][k], weights[2][k]) for k in weights[0]]
    assert all(same) and not any(other)


def test_hyperparameters_arrive_as_strings() -> None:
    a = train.hyperparameters(
        ["--hidden_dim", "16", "--lr", "0.02", "--weight_decay", "0.01", "--epochs", "50"]
    )
    assert (a.hidden_dim, a.lr, a.weight_decay, a.epochs) == (16, 0.02, 0.01, 50)
    assert train.hyperparameters([]).weight_decay == 0.0


@pytest.mark.parametrize("value", ["-0.1", "100"])  # 100 >= 1 / lr: AdamW would flip the weights' sign
def test_bad_weight_decay_is_rejected(value: str) -> None:
    with pytest.raises(SystemExit) as exc:
        train.hyperparameters(["--weight_decay", value])
    assert exc.value.code == 2


def _weights(net: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().ravel() for p in net.parameters()])


def test_weight_decay_zero_is_adam_and_decay_shrinks_the_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y = preprocess.read_split(DATA / "train.csv")
    quick = ["--epochs", "20", "--seed", "3"]
    plain = _weights(train.fit(x, y, train.hyperparameters(quick)))
    decayed = _weights(train.fit(x, y, train.hyperparameters([*quick, "--weight_decay", "5"])))
    assert decayed.norm() < 0.9 * plain.norm()
    with monkeypatch.context() as m:  # the seed project's optimiser, for the same seed
        m.setattr(torch.optim, "AdamW", lambda params, lr, weight_decay: torch.optim.Adam(params, lr=lr))
        adam = _weights(train.fit(x, y, train.hyperparameters(quick)))
    assert torch.equal(plain, adam)


def test_no_test_channel_no_test_metric(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(job / "input" / "data" / "test")
    assert train.main(["--epochs", "2", "--validation_fraction", "0"]) == 0
    log = capsys.readouterr().out
    assert "accuracy=" not in log and "trained on 450 rows" in log


def test_bad_training_data_fails_cleanly(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (job / "input" / "data" / "train" / "train.csv").write_text("0,0.1,0.2\n1,0.2,x\n")
    assert train.main([]) == 2
    err = capsys.readouterr().err
    assert "train.csv, row 2, field 'x2': 'x' is not a number" in err
    assert "row 2" in (job / "output" / "failure").read_text()
    assert not (job / "model").exists()


def test_training_data_that_is_not_text_fails_cleanly(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (job / "input" / "data" / "train" / "train.csv").write_bytes(random.Random(0).randbytes(4096))
    assert train.main([]) == 2
    err = capsys.readouterr().err
    assert "train.csv, row " in err and "is not UTF-8 text" in err
    assert "is not UTF-8 text" in (job / "output" / "failure").read_text()
    assert not (job / "model").exists()


def test_bad_hyperparameters_are_rejected(job: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        train.main(["--output_dim", "2"])
    assert exc.value.code == 2
