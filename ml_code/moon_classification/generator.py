"""The moons' generating distribution, for reference figures: the best accuracy any model can reach.

`sklearn.datasets.make_moons(n, noise)` puts n // 2 points on the upper half circle (cos t, sin t),
label 0, and the rest on the lower one (1 - cos t, 1/2 - sin t), label 1, with t evenly spaced on
[0, pi], then adds N(0, noise^2) to each coordinate
(https://scikit-learn.org/stable/modules/generated/sklearn.datasets.make_moons.html). So p(x | label)
is a Gaussian smeared along a half circle, and the Bayes-optimal rule (equal priors) picks the label
whose density is larger. The angle is integrated by the trapezoid rule on ARC_POINTS evenly spaced
angles: at noise 0.25 the log density ratio is then within 1e-5 of its limit (a plain mean over the
angles is off by 0.006, enough to flip a point of the bundled test split that lies on the boundary).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import expit, logsumexp
from sklearn.datasets import make_moons

ARC_POINTS = 512
CHUNK = 4096  # rows per block: bounds memory at CHUNK x ARC_POINTS distances
LIKELIHOOD_DROP_95 = 1.920729  # chi2(1).ppf(0.95) / 2: a profile-likelihood 95% interval


def arc(label: int, points: int = ARC_POINTS) -> np.ndarray:
    """The noise-free curve of one class, (points, 2)."""
    t = np.linspace(0.0, np.pi, points)
    if label == 0:
        return np.c_[np.cos(t), np.sin(t)]
    if label == 1:
        return np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)]
    raise ValueError(f"label must be 0 or 1, not {label}")


def log_density(points: np.ndarray, label: int, noise: float) -> np.ndarray:
    """log p(x | label) for each row of `points` (n, 2), the arc angle integrated out."""
    if noise <= 0:
        raise ValueError(f"noise must be > 0, not {noise}")
    curve = arc(label)
    weights = np.ones(len(curve))
    weights[[0, -1]] = 0.5
    log_weights = np.log(weights / weights.sum())
    x = np.asarray(points, dtype=float).reshape(-1, 2)
    out = np.empty(len(x))
    for start in range(0, len(x), CHUNK):
        block = x[start : start + CHUNK]
        d2 = ((block[:, None, :] - curve[None, :, :]) ** 2).sum(axis=-1)
        out[start : start + CHUNK] = logsumexp(-d2 / (2 * noise**2) + log_weights, axis=1)
    return out - np.log(2 * np.pi * noise**2)


def posterior(points: np.ndarray, noise: float) -> np.ndarray:
    """P(label = 1 | x) for each row, the classes equally likely (make_moons draws n // 2 of label 0)."""
    return expit(log_density(points, 1, noise) - log_density(points, 0, noise))


def bayes_labels(points: np.ndarray, noise: float) -> np.ndarray:
    """The Bayes-optimal label of each row: the likelier class."""
    return (posterior(points, noise) > 0.5).astype(np.int64)


def log_likelihood(features: np.ndarray, labels: np.ndarray, noise: float) -> float:
    """log p(features | labels, noise), summed over rows."""
    y = np.asarray(labels).ravel()
    return float(sum(log_density(features[y == k], k, noise).sum() for k in (0, 1)))


def fit_noise(
    features: np.ndarray, labels: np.ndarray, bounds: tuple[float, float] = (0.05, 1.0)
) -> dict[str, float]:
    """Maximum-likelihood noise and its 95% profile-likelihood interval."""

    def nll(noise: float) -> float:
        return -log_likelihood(features, labels, noise)

    best = minimize_scalar(nll, bounds=bounds, method="bounded", options={"xatol": 1e-6})

    def excess(noise: float) -> float:
        return nll(noise) - best.fun - LIKELIHOOD_DROP_95

    low, high = brentq(excess, bounds[0], best.x), brentq(excess, best.x, bounds[1])
    return {"noise": float(best.x), "low": float(low), "high": float(high)}


def sample(samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A fresh draw from the generator, seeded as `preprocess.generate` seeds it."""
    x, y = make_moons(samples, noise=noise, random_state=np.random.RandomState(seed))
    return x, y.astype(np.int64)
