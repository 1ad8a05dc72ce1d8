"""Local equivalent of SageMaker's built-in PCA: same hyperparameters, channel and inference formats.

`python -m ml_code.builtin.pca train` fits on the `train` channel (text/csv, no header, no label)
and saves `pca_model.npz` (mean, components, singular values) in the model folder. Like the real
algorithm, components are kept from the smallest to the largest singular value, so projections list
the most important component last (the census notebook reverses them; `select_components` orders
them by variance instead, which works for both).
Hyperparameters: https://docs.aws.amazon.com/sagemaker/latest/dg/PCA-reference.html
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.utils.extmath import randomized_svd, svd_flip

from ml_code.builtin import _csv, _hyperparameters, _serving
from ml_code.common import sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.common.io import atomic_path

MODEL_FILE = "pca_model.npz"
SEED = 0  # randomized mode only: fixed so that two runs on the same data give the same model


@dataclass(frozen=True)
class PcaModel:
    mean: np.ndarray  # (feature_dim,), zeros when subtract_mean=false
    components: np.ndarray  # (feature_dim, num_components), columns by ascending singular value
    singular_values: np.ndarray  # (num_components,), ascending

    @property
    def feature_dim(self) -> int:
        return int(self.components.shape[0])

    def project(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.components


def fit(
    x: np.ndarray, num_components: int, *, mode: str, subtract_mean: bool, extra_components: int
) -> PcaModel:
    """Exact SVD ("regular") or Halko's randomized SVD ("randomized") of the (centred) data.

    The real algorithm's mini_batch_size only changes how it streams rows into its covariance
    estimate; the exact SVD of all rows gives the same components.
    """
    mean = x.mean(axis=0) if subtract_mean else np.zeros(x.shape[1])
    centred = x - mean
    if mode == "randomized":
        # SageMaker: extra_components=-1 means max(10, num_components) oversampling columns.
        oversample = extra_components if extra_components >= 0 else max(10, num_components)
        _, s, vt = randomized_svd(centred, num_components, n_oversamples=oversample, random_state=SEED)
    else:
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
        _, vt = svd_flip(u, vt)
        s, vt = s[:num_components], vt[:num_components]
    return PcaModel(mean=mean, components=vt[::-1].T.copy(), singular_values=s[::-1].copy())


def save(model: PcaModel, model_dir: Path) -> Path:
    path = model_dir / MODEL_FILE
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez(fh, mean=model.mean, components=model.components, singular_values=model.singular_values)
    return path


def _train() -> int:
    hp = _hyperparameters.Hyperparameters(sm_env.hyperparameters())
    feature_dim = hp.integer("feature_dim")
    num_components = hp.integer("num_components")
    hp.integer("mini_batch_size")  # required by SageMaker; validated for parity, see fit()
    mode = hp.choice("algorithm_mode", "regular", ("regular", "randomized"))
    subtract_mean = hp.boolean("subtract_mean", True)
    extra_components = hp.integer("extra_components", -1, minimum=-1)
    if num_components > feature_dim:
        raise InputError(
            _hyperparameters.HYPERPARAMETERS_FILE,
            f"{num_components} components",
            field="num_components",
            expected=f"at most feature_dim={feature_dim}",
        )
    x = _csv.read_channel("train", feature_dim)
    if num_components > x.shape[0]:
        raise InputError("channel train", f"only {x.shape[0]} rows", field="num_components", expected="fewer")
    model = fit(x, num_components, mode=mode, subtract_mean=subtract_mean, extra_components=extra_components)
    path = save(model, sm_env.model_dir())
    print(f"pca: {x.shape[0]} rows x {feature_dim} features -> {num_components} components ({mode}): {path}")
    return 0


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml_code.builtin.pca", description=__doc__)
    parser.add_argument("mode", choices=["train"], help="SageMaker starts training containers with `train`")
    parser.parse_args(argv)
    return _train()


# -- inference handlers (SageMaker inference toolkit) -------------------------------------------


def model_fn(model_dir: str) -> PcaModel:
    path = Path(model_dir) / MODEL_FILE
    if not path.is_file():
        raise InputError(
            str(path), "no PCA model in the model folder", expected=f"{MODEL_FILE} written by train"
        )
    with np.load(path) as saved:
        return PcaModel(saved["mean"], saved["components"], saved["singular_values"])


def input_fn(body: bytes | str, content_type: str) -> np.ndarray:
    return _serving.parse_features(body, content_type)


def predict_fn(data: np.ndarray, model: PcaModel) -> np.ndarray:
    return model.project(_serving.require_width(data, model.feature_dim))


def output_fn(prediction: np.ndarray, accept: str) -> bytes:
    records = [{"projection": [float(v) for v in row]} for row in prediction]
    return _serving.dump_records(records, accept, key="projections")


if __name__ == "__main__":
    raise SystemExit(main(None))
