"""SageMaker script-mode training for the moons classifier.

Runs as `python ml_code/moon_classification/train.py --hidden_dim 24 ...`: the PyTorch training
container passes each hyperparameter as a command-line argument and the folders as `SM_*` variables
(read only through `ml_code.common.sm_env`). See
https://sagemaker.readthedocs.io/en/stable/frameworks/pytorch/using_pytorch.html#prepare-a-pytorch-training-script
The pipeline tunes hidden_dim and lr (stacks/cases/moons.py); the defaults here serve a run of
the script by hand. `bench/ml_quality.py` measures what the pipeline deploys; `bench/select_moons.py`
chooses these hyperparameters on validation accuracy with `hyperparameters`, `split_validation` and
`fit` below, so its figures are the ones this script prints.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch import nn

from ml_code.common import imports, io, sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.moon_classification import evaluate, model, plots
from ml_code.moon_classification.preprocess import FEATURES, read_split

PLOT_FILE = "decision_boundary.png"
CODE_ROOT = Path(__file__).resolve().parents[2]
INFERENCE_MODULE = "ml_code.moon_classification.inference"  # the model's SAGEMAKER_PROGRAM


def _parser() -> argparse.ArgumentParser:
    """Built per call: the folder defaults come from the environment at that moment."""
    p = argparse.ArgumentParser(prog="train.py", description="Train the moons MLP classifier.")
    p.add_argument("--input_features", type=int, default=len(FEATURES))
    p.add_argument("--hidden_dim", type=int, default=24)
    p.add_argument("--output_dim", type=int, default=1, help="one sigmoid score: must be 1")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.01, help="Adam's initial rate, cosine-annealed to 0")
    p.add_argument(
        "--weight_decay", type=float, default=0.0, help="AdamW's decoupled weight decay; 0 is plain Adam"
    )
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--validation_fraction", type=float, default=0.1, help="0 trains on everything")
    p.add_argument("--data-dir", "--train", type=Path, default=sm_env.channel_dir("train"))
    p.add_argument("--test-dir", "--test", type=Path, default=sm_env.channel_dir("test"))
    p.add_argument("--model-dir", type=Path, default=sm_env.model_dir())
    p.add_argument("--output-data-dir", type=Path, default=sm_env.output_data_dir())
    return p


def _check(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    if a.input_features != len(FEATURES) or a.output_dim != 1:
        p.error(f"--input_features must be {len(FEATURES)} ({', '.join(FEATURES)}) and --output_dim 1")
    if min(a.hidden_dim, a.epochs, a.batch_size) < 1 or a.lr <= 0 or not 0 <= a.validation_fraction <= 0.5:
        p.error("need hidden_dim, epochs, batch_size >= 1, lr > 0 and 0 <= validation_fraction <= 0.5")
    if not 0 <= a.weight_decay < 1 / a.lr:  # AdamW scales weights by 1 - lr * weight_decay each step
        p.error("need 0 <= weight_decay < 1 / lr")


def hyperparameters(argv: list[str] | None = None) -> argparse.Namespace:
    """The job's hyperparameters as strings on the command line, as the training container passes
    them, parsed and checked (an `argparse` exit with code 2 when they are not valid)."""
    parser = _parser()
    a = parser.parse_args(argv)
    _check(parser, a)
    return a


def split_validation(
    path: Path, features: np.ndarray, labels: np.ndarray, fraction: float, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray] | None]:
    """Stratified, so a small validation set keeps the class balance of the training file."""
    if fraction == 0:
        return (features, labels), None
    try:
        xt, xv, yt, yv = train_test_split(
            features, labels, test_size=fraction, stratify=labels, random_state=seed
        )
    except ValueError as exc:  # too few rows of a class to stratify
        raise InputError(str(path), f"cannot hold out a validation split ({exc})", field="label") from None
    return (xt, yt), (xv, yv)


@contextlib.contextmanager
def _deterministic(seed: int) -> Iterator[None]:
    """Seeded, deterministic, single-threaded; restores torch's global state after (tests share a process).

    One thread: on a 2-24-24-1 network thread hand-offs cost more than they save, and on a busy
    machine OpenMP's spinning threads made a 2 s fit take a minute.
    """
    was_deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_num_threads(threads)


def fit(features: np.ndarray, labels: np.ndarray, a: argparse.Namespace) -> model.BinaryClassifier:
    """Mini-batch AdamW on binary cross-entropy with a cosine-annealed rate; same seed, same weights.

    With weight_decay 0, AdamW takes exactly Adam's steps (the seed project's optimiser)."""
    with _deterministic(a.seed):
        net = model.BinaryClassifier(a.input_features, a.hidden_dim, a.output_dim)
        x = torch.as_tensor(features, dtype=torch.float32)
        y = torch.as_tensor(labels, dtype=torch.float32).unsqueeze(1)
        batches = -(-len(x) // a.batch_size)
        optimizer = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.weight_decay)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=a.epochs * batches)
        loss_fn, order = nn.BCELoss(), torch.Generator().manual_seed(a.seed)
        report_every = max(1, a.epochs // 5)
        net.train()
        for epoch in range(1, a.epochs + 1):
            total = 0.0
            for idx in torch.randperm(len(x), generator=order).split(a.batch_size):
                optimizer.zero_grad()
                loss = loss_fn(net(x[idx]), y[idx])
                loss.backward()
                optimizer.step()
                schedule.step()
                total += loss.item() * len(idx)
            if epoch % report_every == 0 or epoch == a.epochs:
                print(f"epoch {epoch}/{a.epochs} train_loss={total / len(x):.4f}", flush=True)
    return net.eval()


def _channel_file(folder: Path) -> Path:
    return io.single_file(folder, ("*.csv",))


@entry_point
def main(argv: list[str] | None = None) -> int:
    a = hyperparameters(argv)
    train_path = _channel_file(a.data_dir)
    features, labels = read_split(train_path)
    test_path = _channel_file(a.test_dir) if a.test_dir.is_dir() and any(a.test_dir.iterdir()) else None
    test = read_split(test_path) if test_path else None  # read before training: fail fast on bad data
    train, validation = split_validation(train_path, features, labels, a.validation_fraction, a.seed)
    if len(set(train[1].tolist())) != 2:
        raise InputError(str(train_path), "holds only one class", field="label", expected="both 0 and 1")
    started = time.perf_counter()
    net = fit(*train, a)
    print(f"trained on {train[1].size} rows in {time.perf_counter() - started:.2f} s", flush=True)
    splits = {"train": train}
    scored = {
        name: split for name, split in (("validation", validation), ("test", test)) if split is not None
    }
    baseline = evaluate.linear_baseline(train, scored)
    for name, split in scored.items():
        splits[name] = split
        scores = model.predict_scores(net, split[0])
        print(evaluate.metric_line(f"{name}:accuracy", evaluate.accuracy_from_scores(split[1], scores)))
        print(evaluate.metric_line(f"{name}:loss", evaluate.log_loss(split[1], scores)), flush=True)
        print(evaluate.metric_line(f"{name}:baseline_accuracy", baseline[name]), flush=True)
    model.save(net, a.model_dir)
    # The PyTorch serving container imports the handlers from <model>/code/, not from the source
    # archive: ship the inference module and what it imports inside model.tar.gz.
    imports.bundle_inference_code(CODE_ROOT, INFERENCE_MODULE, a.model_dir)
    title = f"moons MLP (hidden_dim={a.hidden_dim}, epochs={a.epochs}, lr={a.lr}, wd={a.weight_decay})"
    plots.decision_boundary(
        a.output_data_dir / PLOT_FILE, lambda p: model.predict_scores(net, p), splits, title
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
