"""What SageMaker's XGBoost container answers at /invocations, in algorithm mode.

Requests: `text/csv` (features only, comma-separated, one record a line, an empty cell a missing
value) or `text/libsvm` (`index:value` pairs; other tokens, such as a label, are ignored). Anything
else is 415, and so is a body that does not parse, as in the container. Responses, by Accept:
`text/csv` (also for none or `*/*`, the container's default): one prediction a line, a probability
for binary:logistic; `application/json`: `{"predictions": [{"score": p}, ...]}`;
`application/jsonlines`: one prediction a line, which is what the container writes in a batch
transform whatever the Accept (SAGEMAKER_BATCH), where this Accept is the stacks' default. Values are
printed as the container prints them: the float32 prediction as a Python float, e.g.
0.12345670163631439.

Stricter than the container: CSV records must have exactly the model's feature count (its saved
booster answers narrower rows as if the last features were missing), and only commas separate
values (it sniffs the delimiter). Not implemented: recordio-protobuf, selectable inference content
(SAGEMAKER_INFERENCE_OUTPUT) and ensembles of several model files.
Source: algorithm_mode/serve.py, serve_utils.py and encoder.py of aws/sagemaker-xgboost-container
(release-3.0.5); https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-inference.html
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xgboost as xgb

from ml_code.builtin._serving import media_type
from ml_code.common.errors import BadRequest

MODEL_FILE = "xgboost-model"
CSV, JSON, JSONLINES = "text/csv", "application/json", "application/jsonlines"
LIBSVM = ("text/libsvm", "text/x-libsvm", "libsvm")


@dataclass(frozen=True)
class Request:
    x: np.ndarray  # NaN where a value is missing
    sparse: bool  # libsvm: a record may stop before the model's last feature


@dataclass(frozen=True)
class XGBoostModel:
    booster: xgb.Booster
    objective: str
    num_features: int


def load(model_dir: Path) -> XGBoostModel:
    """The model file SageMaker unpacked: `xgboost-model`, else the one file that is not a dotfile."""
    files = sorted(p for p in model_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    path = model_dir / MODEL_FILE if (model_dir / MODEL_FILE).is_file() else None
    if path is None and len(files) != 1:
        raise FileNotFoundError(f"{model_dir}: expected {MODEL_FILE} (found {[p.name for p in files]})")
    booster = xgb.Booster()
    booster.load_model(str(path or files[0]))  # never unpickled: a pickle can run code on load
    booster.set_param("nthread", "1")  # as the container does for each serving worker
    objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
    return XGBoostModel(booster, str(objective), booster.num_features())


def _text(body: bytes | str) -> str:
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise BadRequest("request body is not UTF-8 text", status=415) from None
    if not text.strip():
        raise BadRequest("request body is empty")
    return text.strip()


def _number(cell: str, record: int) -> float:
    try:
        value = float(cell) if cell.strip() else math.nan
    except ValueError:
        raise BadRequest(f"record {record}: {cell.strip()[:40]!r} is not a number", status=415) from None
    if math.isinf(value):
        raise BadRequest(f"record {record}: {cell.strip()!r} is infinite", status=415)
    return value


def _csv_rows(text: str) -> np.ndarray:
    rows: list[list[float]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            raise BadRequest(f"record {number} is empty", status=415)
        cells = line.split(",")
        if rows and len(cells) != len(rows[0]):
            raise BadRequest(f"record {number} has {len(cells)} values, record 1 {len(rows[0])}", status=415)
        rows.append([_number(cell, number) for cell in cells])
    return np.asarray(rows, dtype=float)


def _libsvm_rows(text: str) -> np.ndarray:
    entries: list[tuple[int, int, float]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        for token in (t for t in line.split(" ") if ":" in t):
            index, _, text = token.partition(":")
            if not index.isdigit():
                raise BadRequest(f"record {number}: {token!r} is not index:value", status=415)
            entries.append((number - 1, int(index), _number(text, number)))
    x = np.full((len(lines), max((c for _, c, _ in entries), default=-1) + 1), np.nan)
    for row, col, value in entries:
        x[row, col] = value
    return x


def parse(body: bytes | str, content_type: str) -> Request:
    kind = media_type(content_type)
    if kind == CSV:
        return Request(_csv_rows(_text(body)), sparse=False)
    if kind in LIBSVM:
        return Request(_libsvm_rows(_text(body)), sparse=True)
    raise BadRequest(f"Content-type {content_type} is not supported; use {CSV} or text/libsvm", status=415)


def predict(request: Request, model: XGBoostModel) -> np.ndarray:
    x, width = request.x, model.num_features
    if x.shape[1] > width or (x.shape[1] < width and not request.sparse):
        found = f"{x.shape[1]} feature {'indices' if request.sparse else 'values'}"
        hint = " (send the features only, without the label)" if x.shape[1] == width + 1 else ""
        raise BadRequest(f"records have {found}; this model takes {width} features{hint}")
    if x.shape[1] < width:
        x = np.hstack([x, np.full((x.shape[0], width - x.shape[1]), np.nan)])
    return np.asarray(model.booster.predict(xgb.DMatrix(x), validate_features=False))


def _lines(values: list[object], sep: str | None) -> bytes:
    """One prediction a line: a row of several values joined by `sep`, or as Python prints a list."""
    shown = [sep.join(map(str, v)) if sep and isinstance(v, list) else str(v) for v in values]
    return ("\n".join(shown) + "\n").encode("utf-8")


def encode(predictions: np.ndarray, accept: str | None) -> bytes:
    values = predictions.tolist()  # float32 -> Python floats, printed as the container prints them
    kind = media_type(accept or CSV)
    if kind in (CSV, "*/*"):
        return _lines(values, ",")
    if kind == JSON:
        return json.dumps({"predictions": [{"score": v} for v in values]}).encode("utf-8")
    if kind == JSONLINES:
        return _lines(values, None)
    raise BadRequest(f"Accept type {accept} is not supported; use {CSV}, {JSON} or {JSONLINES}", status=406)
