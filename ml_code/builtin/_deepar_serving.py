"""DeepAR's inference handlers with the request and response formats SageMaker documents.

https://docs.aws.amazon.com/sagemaker/latest/dg/deepar-in-formats.html: a JSON request holds
`instances` and an optional `configuration` (num_samples, output_types, quantiles); with
`application/jsonlines` (batch transform) each line is one instance and the defaults apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ml_code.builtin import _deepar_model
from ml_code.builtin._deepar_config import DEFAULT_QUANTILES, DeepARConfig
from ml_code.builtin._deepar_data import RecordError, Series, parse_record
from ml_code.builtin._deepar_features import Features, check
from ml_code.common.errors import BadRequest

if TYPE_CHECKING:  # GluonTS is imported in _deepar_model, after its import warning is silenced
    from gluonts.torch.model.predictor import PyTorchPredictor

JSON, JSONLINES = "application/json", "application/jsonlines"
OUTPUT_TYPES = ("mean", "quantiles", "samples")
MAX_SAMPLES = 1000


@dataclass(frozen=True)
class Model:
    predictor: PyTorchPredictor
    config: DeepARConfig
    features: Features


@dataclass(frozen=True)
class Request:
    instances: list[Series]
    num_samples: int | None = None  # None: the model's num_eval_samples
    output_types: tuple[str, ...] = ("mean", "quantiles")
    quantiles: tuple[str, ...] = tuple(str(q) for q in DEFAULT_QUANTILES)


def model_fn(model_dir: str) -> Model:
    meta = json.loads((Path(model_dir) / "deepar.json").read_text())
    features = Features(tuple(meta["features"]["cardinality"]), meta["features"]["num_dynamic"])
    return Model(
        _deepar_model.load(Path(model_dir)), DeepARConfig.from_json(meta["hyperparameters"]), features
    )


def _configuration(conf: Any) -> dict[str, Any]:
    if not isinstance(conf, dict):
        raise BadRequest("configuration must be a JSON object")
    out: dict[str, Any] = {}
    if "num_samples" in conf:
        n = conf["num_samples"]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_SAMPLES:
            raise BadRequest(f"configuration.num_samples must be an integer in 1..{MAX_SAMPLES}")
        out["num_samples"] = n
    if "output_types" in conf:
        types = conf["output_types"]
        if not isinstance(types, list) or not types or any(t not in OUTPUT_TYPES for t in types):
            raise BadRequest(f"configuration.output_types must be a non-empty list of {OUTPUT_TYPES}")
        out["output_types"] = tuple(types)
    if "quantiles" in conf:
        qs = conf["quantiles"]
        try:
            ok = isinstance(qs, list) and bool(qs) and all(0 < float(q) < 1 for q in qs)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise BadRequest('configuration.quantiles must be a list like ["0.1", "0.5", "0.9"]')
        out["quantiles"] = tuple(str(q) for q in qs)
    return out


def _instance(obj: Any, where: str) -> Series:
    try:
        return parse_record(obj)
    except RecordError as exc:
        raise BadRequest(f"{where}: {exc.field} {exc}") from None


def input_fn(body: bytes | str, content_type: str) -> Request:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    mime = (content_type or JSON).split(";")[0].strip().lower()
    if mime not in (JSON, JSONLINES):
        raise BadRequest(f"unsupported content type {content_type!r}; use {JSON} or {JSONLINES}", status=415)
    if not text.strip():
        raise BadRequest("empty request body")
    if mime == JSONLINES:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            objs = [json.loads(line) for line in lines]
        except json.JSONDecodeError as exc:
            raise BadRequest(f"invalid JSON line: {exc.msg}") from None
        return Request([_instance(o, f"line {i + 1}") for i, o in enumerate(objs)])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"invalid JSON: {exc.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("instances"), list) or not doc["instances"]:
        raise BadRequest('request must be {"instances": [{"start": ..., "target": [...]}, ...]}')
    series = [_instance(o, f"instances[{i}]") for i, o in enumerate(doc["instances"])]
    return Request(series, **_configuration(doc.get("configuration", {})))


def predict_fn(data: Request, model: Model) -> list[dict[str, Any]]:
    for i, s in enumerate(data.instances):
        try:
            check(s, model.features, extra_steps=model.config.prediction_length)
        except RecordError as exc:
            raise BadRequest(f"instances[{i}]: {exc.field} {exc}") from None
    n = data.num_samples or model.config.num_eval_samples
    paths = _deepar_model.forecast(
        model.predictor, model.config, model.features, data.instances, num_samples=n
    )
    out = []
    for samples in paths:
        record: dict[str, Any] = {}
        if "mean" in data.output_types:
            record["mean"] = samples.mean(axis=0).tolist()
        if "quantiles" in data.output_types:
            levels = np.quantile(samples, [float(q) for q in data.quantiles], axis=0)
            record["quantiles"] = {q: level.tolist() for q, level in zip(data.quantiles, levels, strict=True)}
        if "samples" in data.output_types:
            record["samples"] = samples.tolist()
        out.append(record)
    return out


def output_fn(prediction: list[dict[str, Any]], accept: str) -> bytes:
    mime = (accept or JSON).split(";")[0].strip().lower()
    if mime in (JSON, "*/*"):
        return json.dumps({"predictions": prediction}).encode()
    if mime == JSONLINES:
        return "".join(json.dumps(p) + "\n" for p in prediction).encode()
    raise BadRequest(f"unsupported accept type {accept!r}; use {JSON} or {JSONLINES}", status=406)
