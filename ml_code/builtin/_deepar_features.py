"""Which optional DeepAR inputs a model uses (`cat`, `dynamic_feat`), and GluonTS entries built from series.

SageMaker's rules (https://docs.aws.amazon.com/sagemaker/latest/dg/deepar_hyperparameters.html):
with `cardinality=auto` / `num_dynamic_feat=auto` the fields are used when every series has them;
`ignore` drops them. Training dynamic features are as long as the target; at inference they run
`prediction_length` steps past it, since the model needs their future values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml_code.builtin._deepar_config import DeepARConfig
from ml_code.builtin._deepar_data import RecordError, Series
from ml_code.common.errors import InputError


@dataclass(frozen=True)
class Features:
    cardinality: tuple[int, ...] = ()  # one count per `cat` entry; empty: no categories
    num_dynamic: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"cardinality": list(self.cardinality), "num_dynamic": self.num_dynamic}


def resolve(config: DeepARConfig, series: list[Series], source: str) -> Features:
    """Decide the features from the hyperparameters and the training series."""
    has_cat = [s.cat is not None for s in series]
    if config.cardinality == "ignore" or (config.cardinality == "auto" and not any(has_cat)):
        cardinality: tuple[int, ...] = ()
    else:
        if not all(has_cat):
            raise InputError(source, "some series have `cat` and others do not", field="cat")
        lengths = {len(s.cat or ()) for s in series}
        if len(lengths) != 1:
            raise InputError(source, "series have different numbers of `cat` values", field="cat")
        cats = np.array([s.cat for s in series])
        cardinality = (
            tuple(int(c) for c in cats.max(axis=0) + 1)
            if config.cardinality == "auto"
            else tuple(json.loads(config.cardinality))
        )
    has_dyn = [s.dynamic_feat is not None for s in series]
    if config.num_dynamic_feat == "ignore" or (config.num_dynamic_feat == "auto" and not any(has_dyn)):
        num_dynamic = 0
    else:
        counts = {0 if s.dynamic_feat is None else s.dynamic_feat.shape[0] for s in series}
        if len(counts) != 1 or 0 in counts:
            raise InputError(
                source, "every series needs the same number of dynamic features", field="dynamic_feat"
            )
        num_dynamic = counts.pop()
        if config.num_dynamic_feat != "auto" and num_dynamic != int(config.num_dynamic_feat):
            raise InputError(
                source, f"series have {num_dynamic} dynamic features", field="dynamic_feat",
                expected=f"num_dynamic_feat={config.num_dynamic_feat}",
            )  # fmt: skip
    return Features(cardinality, num_dynamic)


def check(s: Series, features: Features, extra_steps: int) -> None:
    """Raise RecordError if a series does not carry the features the model uses."""
    if features.cardinality:
        if s.cat is None or len(s.cat) != len(features.cardinality):
            raise RecordError("cat", f"needs {len(features.cardinality)} category values")
        if any(c >= n for c, n in zip(s.cat, features.cardinality, strict=True)):
            raise RecordError("cat", f"values must be below the cardinality {list(features.cardinality)}")
    if features.num_dynamic:
        want = len(s.target) + extra_steps
        if s.dynamic_feat is None or s.dynamic_feat.shape != (features.num_dynamic, want):
            raise RecordError("dynamic_feat", f"needs {features.num_dynamic} features of length {want}")


def entry(s: Series, features: Features, freq: str, *, drop_last: int = 0) -> dict[str, Any]:
    """A GluonTS data entry; `drop_last` cuts the target (not the features) to forecast its last steps."""
    out: dict[str, Any] = {
        "start": s.start.to_period(freq),
        "target": s.target[: len(s.target) - drop_last].astype(np.float32),
    }
    if features.cardinality:
        out["feat_static_cat"] = np.array(s.cat, dtype=np.int64)
    if features.num_dynamic and s.dynamic_feat is not None:
        out["feat_dynamic_real"] = s.dynamic_feat.astype(np.float32)
    return out
