"""Serving handlers: every content type and accept type round trip, and every BadRequest case."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml_code.common.errors import BadRequest
from ml_code.moon_classification import inference, model, train
from ml_code.moon_classification.preprocess import read_split

DATA = Path(__file__).resolve().parents[3] / "data" / "moons"
FEATURES, LABELS = read_split(DATA / "test.csv")


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> model.BinaryClassifier:
    """A briefly trained model, saved and loaded back the way the endpoint loads it."""
    x, y = read_split(DATA / "train.csv")
    folder = tmp_path_factory.mktemp("model")
    model.save(train.fit(x, y, train._parser().parse_args(["--epochs", "30"])), folder)
    return inference.model_fn(str(folder))


def _invoke(net: model.BinaryClassifier, body: bytes | str, content_type: str, accept: str) -> bytes:
    return inference.output_fn(inference.predict_fn(inference.input_fn(body, content_type), net), accept)


CSV_BODY = "".join(f"{a!r},{b!r}\n" for a, b in FEATURES.tolist())


def test_csv_to_json_scores_the_test_split(net: model.BinaryClassifier) -> None:
    records = json.loads(_invoke(net, CSV_BODY.encode(), "text/csv", "application/json"))["predictions"]
    scores = np.array([r["score"] for r in records])
    labels = np.array([r["predicted_label"] for r in records])
    assert len(records) == 150 and set(records[0]) == {"score", "predicted_label"}
    assert np.all((scores >= 0) & (scores <= 1))
    assert np.array_equal(labels, (scores >= 0.5).astype(int))
    assert (labels == LABELS).mean() >= 0.9


def test_every_request_and_response_type_agrees(net: model.BinaryClassifier) -> None:
    reference = json.loads(_invoke(net, CSV_BODY, "text/csv; charset=utf-8", "application/json"))
    lists = json.dumps({"instances": FEATURES.tolist()})
    dicts = json.dumps({"instances": [{"features": row} for row in FEATURES.tolist()]})
    for body in (lists, dicts.encode()):
        assert json.loads(_invoke(net, body, "application/json", "application/json")) == reference
    labels = [r["predicted_label"] for r in reference["predictions"]]
    csv_out = _invoke(net, CSV_BODY, "text/csv", "text/csv").decode()
    assert csv_out.splitlines() == [str(label) for label in labels] and csv_out.endswith("\n")
    lines = _invoke(net, CSV_BODY, "text/csv", "application/jsonlines").decode().splitlines()
    assert [json.loads(line) for line in lines] == reference["predictions"]


@pytest.mark.parametrize(
    ("accept", "first_char"), [("*/*", "{"), ("", "{"), ("text/html, text/csv;q=0.9", "0")]
)
def test_accept_negotiation(net: model.BinaryClassifier, accept: str, first_char: str) -> None:
    assert _invoke(net, "-1.0,0.5", "text/csv", accept).decode()[0] == first_char


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "text/csv", "empty"),
        (" \n\n", "text/csv", "empty"),
        ("0.1,0.2,0.3", "text/csv", "row 1: got 3 values, expected 2"),
        ("0.1,0.2\n0.5", "text/csv", "row 2: got 1 values, expected 2"),
        ("0.1,abc", "text/csv", "row 1, x2: 'abc' is not a number"),
        ("inf,0.2", "text/csv", "row 1, x1: 'inf' is not a finite number"),
        ("0.1,0.2\n" * 1001, "text/csv", "1001 rows; at most 1000"),
        (b"\xff\xfe", "text/csv", "not UTF-8"),
        ('{"instances": [[0.1]]}', "application/json", "row 1: got 1 values"),
        ('{"instances": [[0.1, "x"]]}', "application/json", "row 1, x2: 'x' is not a number"),
        ('{"instances": [[true, 0.2]]}', "application/json", "row 1, x1: True is not a number"),
        ('{"instances": [[NaN, 0.2]]}', "application/json", "not a finite number"),
        ('{"instances": [{"values": [0.1, 0.2]}]}', "application/json", "row 1: got NoneType"),
        ('{"instances": []}', "application/json", "at least one instance"),
        ("[[0.1, 0.2]]", "application/json", 'expected {"instances"'),
        ("{not json", "application/json", "not valid JSON"),
    ],
)
def test_bad_requests(body: bytes | str, content_type: str, message: str) -> None:
    with pytest.raises(BadRequest) as err:
        inference.input_fn(body, content_type)
    assert err.value.status == 400
    assert message in str(err.value)


def test_a_thousand_rows_is_the_limit() -> None:
    assert inference.input_fn("0.1,0.2\n" * 1000, "text/csv").shape == (1000, 2)


def test_unsupported_content_type_is_415() -> None:
    with pytest.raises(BadRequest) as err:
        inference.input_fn(b"0.1,0.2", "application/x-recordio-protobuf")
    assert err.value.status == 415


def test_unsupported_accept_is_406(net: model.BinaryClassifier) -> None:
    with pytest.raises(BadRequest) as err:
        _invoke(net, "0.1,0.2", "text/csv", "application/xml")
    assert err.value.status == 406


def test_wrong_width_array_is_rejected_by_predict(net: model.BinaryClassifier) -> None:
    with pytest.raises(BadRequest, match="rows of 2 features"):
        inference.predict_fn(np.zeros((1, 3), dtype=np.float32), net)
