"""Local equivalent of SageMaker's built-in k-means: same hyperparameters, channels, metrics and formats.

Follows the documented two-stage algorithm: a streaming mini-batch pass keeps
`k * extra_center_factor` centers, then a weighted Lloyd's (EM) run on those centers (weights = how
many rows each one holds) reduces them to k. Seeds are fixed, so a rerun gives the same model.
https://docs.aws.amazon.com/sagemaker/latest/dg/algo-kmeans-tech-notes.html
Hyperparameters: https://docs.aws.amazon.com/sagemaker/latest/dg/k-means-api-config.html
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml_code.builtin import _csv, _hyperparameters, _serving
from ml_code.common import sm_env
from ml_code.common.entry import entry_point
from ml_code.common.errors import InputError
from ml_code.common.io import atomic_path

MODEL_FILE = "kmeans_model.npz"
SEED = 0
AUTO_EXTRA_CENTER_FACTOR = 10  # "auto" is not documented; 10 keeps the reduction step meaningful
AUTO_LLOYD_TRIALS = 10
INIT = {"random": "random", "kmeans++": "k-means++"}


@dataclass(frozen=True)
class KMeansModel:
    centers: np.ndarray  # (k, feature_dim)

    @property
    def feature_dim(self) -> int:
        return int(self.centers.shape[1])

    def assign(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Closest center of each row and the Euclidean distance to it (what the endpoint returns)."""
        squared = ((x[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=2)
        closest = squared.argmin(axis=1)
        return closest, np.sqrt(squared[np.arange(x.shape[0]), closest])


@dataclass(frozen=True)
class Settings:
    k: int
    mini_batch_size: int
    init_method: str
    max_iterations: int
    tol: float
    epochs: int
    extra_center_factor: int | None  # None = auto
    local_lloyd_init_method: str
    local_lloyd_max_iter: int
    local_lloyd_tol: float
    local_lloyd_num_trials: int | None  # None = auto
    eval_metrics: list[str]

    @classmethod
    def parse(cls, hp: _hyperparameters.Hyperparameters) -> Settings:
        def auto_or_int(name: str) -> int | None:
            return None if hp.raw.get(name, "auto").strip() == "auto" else hp.integer(name)

        return cls(
            k=hp.integer("k"),
            mini_batch_size=hp.integer("mini_batch_size", 5000),
            init_method=hp.choice("init_method", "random", tuple(INIT)),
            max_iterations=hp.integer("max_iterations", 100),
            tol=hp.number("tol", 0.0001),
            epochs=hp.integer("epochs", 1),
            extra_center_factor=auto_or_int("extra_center_factor"),
            local_lloyd_init_method=hp.choice("local_lloyd_init_method", "kmeans++", tuple(INIT)),
            local_lloyd_max_iter=hp.integer("local_lloyd_max_iter", 300),
            local_lloyd_tol=hp.number("local_lloyd_tol", 0.0001),
            local_lloyd_num_trials=auto_or_int("local_lloyd_num_trials"),
            eval_metrics=hp.json_list("eval_metrics", ["msd"], ("msd", "ssd")),
        )


def _mini_batch_centers(x: np.ndarray, n_centers: int, s: Settings) -> np.ndarray:
    """Stage 1: `epochs` shuffled passes of mini-batch updates, stopping early once centers settle
    (squared movement below `tol` times the data's total variance) or after `max_iterations` batches."""
    from sklearn.cluster import MiniBatchKMeans  # training only: serving never loads scikit-learn

    rng = np.random.default_rng(SEED)
    batch = min(max(s.mini_batch_size, n_centers), x.shape[0])  # the first batch must seed every center
    stage = MiniBatchKMeans(
        n_clusters=n_centers, init=INIT[s.init_method], batch_size=batch, n_init=1, random_state=SEED
    )
    scale = max(float(x.var(axis=0).sum()), np.finfo(float).tiny)
    steps = 0
    for _ in range(s.epochs):
        order = rng.permutation(x.shape[0])
        for start in range(0, x.shape[0] - batch + 1, batch):
            before = stage.cluster_centers_.copy() if steps else np.full((n_centers, x.shape[1]), np.inf)
            stage.partial_fit(x[order[start : start + batch]])
            steps += 1
            moved = ((stage.cluster_centers_ - before) ** 2).sum(axis=1).mean()
            if moved < s.tol * scale or steps >= s.max_iterations:
                return stage.cluster_centers_
    return stage.cluster_centers_


def fit(x: np.ndarray, s: Settings) -> KMeansModel:
    if s.k > x.shape[0]:
        raise InputError(
            "channel train", f"only {x.shape[0]} rows", field="k", expected=f"at least k={s.k} rows"
        )
    factor = s.extra_center_factor or AUTO_EXTRA_CENTER_FACTOR
    n_centers = max(s.k, min(s.k * factor, x.shape[0]))
    centers = _mini_batch_centers(x, n_centers, s)
    closest, _ = KMeansModel(centers).assign(x)
    weights = np.bincount(closest, minlength=n_centers).astype(float)
    keep = weights > 0
    if keep.sum() < s.k:
        found = int(keep.sum())
        raise InputError(
            "channel train", f"the data holds only {found} clusters", field="k", expected=f"k <= {found}"
        )
    from sklearn.cluster import KMeans  # training only: serving never loads scikit-learn

    final = KMeans(
        n_clusters=s.k,
        init=INIT[s.local_lloyd_init_method],
        n_init=s.local_lloyd_num_trials or AUTO_LLOYD_TRIALS,
        max_iter=s.local_lloyd_max_iter,
        tol=s.local_lloyd_tol,
        random_state=SEED,
    ).fit(centers[keep], sample_weight=weights[keep])
    return KMeansModel(final.cluster_centers_)


def _print_metrics(prefix: str, model: KMeansModel, x: np.ndarray, names: list[str]) -> None:
    squared = model.assign(x)[1] ** 2
    values = {"msd": float(squared.mean()), "ssd": float(squared.sum())}
    for name in names:
        print(f"#metric {prefix}:{name}={values[name]:.6g}")


def _train() -> int:
    hp = _hyperparameters.Hyperparameters(sm_env.hyperparameters())
    feature_dim = hp.integer("feature_dim")
    settings = Settings.parse(hp)
    x = _csv.read_channel("train", feature_dim)
    test = _csv.read_channel("test", feature_dim) if sm_env.has_channel("test") else None
    model = fit(x, settings)
    path = sm_env.model_dir() / MODEL_FILE
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez(fh, centers=model.centers)
    print(f"kmeans: {x.shape[0]} rows x {feature_dim} features -> k={settings.k}; wrote {path}")
    _print_metrics("train", model, x, sorted({"msd", *settings.eval_metrics}))
    if test is not None:
        _print_metrics("test", model, test, settings.eval_metrics)
    return 0


@entry_point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml_code.builtin.kmeans", description=__doc__)
    parser.add_argument("mode", choices=["train"], help="SageMaker starts training containers with `train`")
    parser.parse_args(argv)
    return _train()


# -- inference handlers (SageMaker inference toolkit) -------------------------------------------


def model_fn(model_dir: str) -> KMeansModel:
    path = Path(model_dir) / MODEL_FILE
    if not path.is_file():
        raise InputError(
            str(path), "no k-means model in the model folder", expected=f"{MODEL_FILE} written by train"
        )
    with np.load(path) as saved:
        return KMeansModel(saved["centers"])


def input_fn(body: bytes | str, content_type: str) -> np.ndarray:
    return _serving.parse_features(body, content_type)


def predict_fn(data: np.ndarray, model: KMeansModel) -> tuple[np.ndarray, np.ndarray]:
    return model.assign(_serving.require_width(data, model.feature_dim))


def output_fn(prediction: tuple[np.ndarray, np.ndarray], accept: str) -> bytes:
    # The real algorithm returns the cluster index as a float too (e.g. 3.0).
    pairs = zip(*prediction, strict=True)
    records = [{"closest_cluster": float(c), "distance_to_cluster": float(d)} for c, d in pairs]
    return _serving.dump_records(records, accept)


if __name__ == "__main__":
    raise SystemExit(main(None))
