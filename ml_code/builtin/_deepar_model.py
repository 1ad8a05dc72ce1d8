"""Train, save, load and forecast with GluonTS's PyTorch DeepAR, behaving as SageMaker DeepAR does.

- `epochs` are passes over the training windows (SageMaker's meaning), not GluonTS's fixed 50 batches.
- `early_stopping_patience` stops when the training loss has not improved for that many epochs, and the
  epoch with the lowest loss is kept (SageMaker DeepAR has no validation channel during training).
- Lightning writes checkpoints only into a temporary folder, and logs nothing but one line per epoch.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch

# GluonTS warns on import that it falls back to the standard json module; that is fine here.
warnings.filterwarnings("ignore", message="Using `json`-module")

from gluonts.torch import DeepAREstimator  # noqa: E402
from gluonts.torch.distributions import NegativeBinomialOutput, NormalOutput, StudentTOutput  # noqa: E402
from gluonts.torch.distributions.distribution_output import BetaOutput  # noqa: E402
from gluonts.torch.model.predictor import PyTorchPredictor  # noqa: E402

from ml_code.builtin._deepar_config import DeepARConfig  # noqa: E402
from ml_code.builtin._deepar_data import Series  # noqa: E402
from ml_code.builtin._deepar_features import Features, entry  # noqa: E402
from ml_code.common.io import write_json  # noqa: E402

DISTRIBUTIONS = {
    "gaussian": NormalOutput,
    "student-t": StudentTOutput,
    "negative-binomial": NegativeBinomialOutput,
    "beta": BetaOutput,
}


def quiet() -> None:
    """Keep job logs readable: no Lightning banners, no hints about data-loader workers."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning", "gluonts"):
        logging.getLogger(name).setLevel(logging.WARNING)
    noise = "num_workers|many workers|val_dataloader|LeafSpec|non-tuple sequence|dropout option"
    warnings.filterwarnings("ignore", message=f".*({noise}).*")


class _EpochLog(pl.Callback):
    """One line per epoch instead of a progress bar; remembers the losses for `train:final_loss`."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        loss = trainer.callback_metrics.get("train_loss")
        if loss is not None:
            self.losses.append(float(loss))
            print(f"epoch {trainer.current_epoch + 1}: train_loss={float(loss):.4f}", flush=True)


def training_windows(config: DeepARConfig, series: list[Series]) -> int:
    """Windows of context_length + prediction_length that fit in each series (at least one each)."""
    span = config.context_length + config.prediction_length
    return sum(max(1, len(s.target) - span + 1) for s in series)


def train(config: DeepARConfig, features: Features, series: list[Series]) -> tuple[PyTorchPredictor, float]:
    """The predictor from the epoch with the lowest training loss, and that loss."""
    quiet()
    # One intra-op thread: DeepAR's small LSTM batches gain nothing from more, and OpenMP threads
    # spin-wait badly on shared cores (2 epochs of the power data: 7.7 s with 1 thread, 41 s with 2).
    torch.set_num_threads(1)
    pl.seed_everything(config.random_seed, verbose=False)
    batches = max(1, math.ceil(training_windows(config, series) / config.mini_batch_size))
    log = _EpochLog()
    callbacks: list[pl.Callback] = [log]
    if config.early_stopping_patience:
        callbacks.append(
            pl.callbacks.EarlyStopping(
                monitor="train_loss", mode="min", patience=config.early_stopping_patience
            )
        )
    with tempfile.TemporaryDirectory(prefix="deepar-") as root:
        estimator = DeepAREstimator(
            freq=config.pandas_freq,
            prediction_length=config.prediction_length,
            context_length=config.context_length,
            num_layers=config.num_layers,
            hidden_size=config.num_cells,
            lr=config.learning_rate,
            dropout_rate=config.dropout_rate,
            num_feat_dynamic_real=features.num_dynamic,
            num_feat_static_cat=len(features.cardinality),
            cardinality=list(features.cardinality) or None,
            embedding_dimension=[config.embedding_dimension] * len(features.cardinality) or None,
            distr_output=DISTRIBUTIONS[config.likelihood](),
            batch_size=config.mini_batch_size,
            num_batches_per_epoch=batches,
            num_parallel_samples=config.num_eval_samples,
            trainer_kwargs={
                "max_epochs": config.epochs,
                "accelerator": "cpu",
                "default_root_dir": root,
                "logger": False,
                "enable_progress_bar": False,
                "enable_model_summary": False,
                "callbacks": callbacks,
            },
        )
        data = [entry(s, features, config.pandas_freq) for s in series]
        print(
            f"training on {len(series)} series, {batches} batches of {config.mini_batch_size} per epoch",
            flush=True,
        )
        predictor = estimator.train(data, cache_data=True)
    return predictor, min(log.losses, default=math.nan)


def forecast(
    predictor: PyTorchPredictor, config: DeepARConfig, features: Features, series: list[Series], *,
    num_samples: int, drop_last: int = 0,
) -> list[np.ndarray]:  # fmt: skip
    """Sample paths (num_samples, prediction_length) per series, reproducibly for a given config seed."""
    torch.manual_seed(config.random_seed)
    data = [entry(s, features, config.pandas_freq, drop_last=drop_last) for s in series]
    return [np.asarray(f.samples) for f in predictor.predict(data, num_samples=num_samples)]


def save(predictor: PyTorchPredictor, meta: dict[str, Any], model_dir: Path) -> None:
    """Write the predictor beside a small JSON of the hyperparameters, swapping it in only when complete."""
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".predictor.", dir=model_dir))
    try:
        predictor.serialize(tmp)
        shutil.rmtree(model_dir / "predictor", ignore_errors=True)
        tmp.rename(model_dir / "predictor")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_json(model_dir / "deepar.json", meta)


def load(model_dir: Path) -> PyTorchPredictor:
    quiet()
    predictor = PyTorchPredictor.deserialize(model_dir / "predictor", device="cpu")
    assert isinstance(predictor, PyTorchPredictor)
    return predictor
