"""SageMaker PyTorch serving handlers for the moons classifier (endpoints and batch transform).

The inference toolkit calls `model_fn` once, then `input_fn -> predict_fn -> output_fn` per request
(https://sagemaker.readthedocs.io/en/stable/frameworks/pytorch/using_pytorch.html#the-sagemaker-pytorch-model-server).
Requests: `text/csv` (rows of x1,x2) or `application/json` (`{"instances": [[x1, x2], ...]}` or
`{"instances": [{"features": [x1, x2]}]}`). Responses use LinearLearner's binary-classifier records
`{"score": p, "predicted_label": l}`. Single-row requests are the hot path: plain string parsing,
no pandas, one forward pass under `torch.no_grad()`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ml_code.common.errors import BadRequest
from ml_code.moon_classification import evaluate, model
from ml_code.moon_classification.preprocess import FEATURES

CSV, JSON, JSONLINES = "text/csv", "application/json", "application/jsonlines"
MAX_ROWS = 1000  # bounds a request's work; batch transform splits files into records far below this
WIDTH = len(FEATURES)


def model_fn(model_dir: str) -> model.BinaryClassifier:
    return model.load(Path(model_dir))


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def input_fn(body: bytes | str, content_type: str) -> np.ndarray:
    """An (n, 2) float32 array, or BadRequest naming the first row that is not two finite numbers."""
    media = _media_type(content_type)
    if media not in (CSV, JSON):
        raise BadRequest(f"content type {content_type!r} is not supported; send {CSV} or {JSON}", status=415)
    try:
        text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
    except UnicodeDecodeError:
        raise BadRequest("request body is not UTF-8 text") from None
    if not text.strip():
        raise BadRequest("request body is empty")
    rows = _csv_rows(text) if media == CSV else _json_rows(text)
    if len(rows) > MAX_ROWS:
        raise BadRequest(f"request has {len(rows)} rows; at most {MAX_ROWS} are allowed")
    return np.array([_row(i, r) for i, r in enumerate(rows, start=1)], dtype=np.float32)


def _csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines() if line.strip()]


def _json_rows(text: str) -> list[Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON ({exc.msg})") from None
    instances = doc.get("instances") if isinstance(doc, dict) else None
    if not isinstance(instances, list) or not instances:
        raise BadRequest('expected {"instances": [[x1, x2], ...]} with at least one instance')
    return [i.get("features") if isinstance(i, dict) else i for i in instances]


def _row(index: int, values: Any) -> list[float]:
    if not isinstance(values, list) or len(values) != WIDTH:
        count = f"{len(values)} values" if isinstance(values, list) else type(values).__name__
        raise BadRequest(f"row {index}: got {count}, expected {WIDTH} numbers ({', '.join(FEATURES)})")
    out = []
    for name, value in zip(FEATURES, values, strict=True):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadRequest(f"row {index}, {name}: {value!r} is not a number")
        try:
            number = float(value)
        except ValueError:
            raise BadRequest(f"row {index}, {name}: {str(value).strip()!r} is not a number") from None
        if not math.isfinite(number):
            raise BadRequest(f"row {index}, {name}: {value!r} is not a finite number")
        out.append(number)
    return out


def predict_fn(data: np.ndarray, net: model.BinaryClassifier) -> np.ndarray:
    """P(label = 1) per row as float64."""
    if data.ndim != 2 or data.shape[1] != net.info.input_features:
        raise BadRequest(f"expected rows of {net.info.input_features} features, got shape {data.shape}")
    with torch.no_grad():
        return net(torch.from_numpy(data)).numpy()[:, 0].astype(np.float64)


def _accepted(accept: str | None) -> str:
    """The first supported type in an Accept header; none or `*/*` means JSON."""
    for part in (accept or "").split(","):
        media = _media_type(part)
        if media in ("", "*/*", "application/*"):
            return JSON
        if media in (CSV, JSON, JSONLINES):
            return media
    raise BadRequest(f"accept {accept!r} is not supported; use {JSON}, {JSONLINES} or {CSV}", status=406)


def output_fn(prediction: np.ndarray, accept: str) -> bytes:
    media = _accepted(accept)
    labels = evaluate.labels_from_scores(prediction).tolist()
    if media == CSV:
        return "".join(f"{label}\n" for label in labels).encode()
    records = [
        {"score": s, "predicted_label": lab} for s, lab in zip(prediction.tolist(), labels, strict=True)
    ]
    if media == JSONLINES:
        return "".join(json.dumps(r) + "\n" for r in records).encode()
    return json.dumps({"predictions": records}).encode()
