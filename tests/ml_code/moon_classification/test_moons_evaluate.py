"""Known-value tests for the moons scoring helpers and the metric-line format SageMaker parses."""

from __future__ import annotations

import math
import re

import pytest

from ml_code.moon_classification import evaluate


def test_labels_from_scores_threshold_is_inclusive() -> None:
    assert evaluate.labels_from_scores([0.0, 0.49, 0.5, 0.51, 1.0]).tolist() == [0, 0, 1, 1, 1]
    assert evaluate.labels_from_scores([0.3, 0.7], threshold=0.2).tolist() == [1, 1]


def test_accuracy_from_scores() -> None:
    assert evaluate.accuracy_from_scores([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6]) == 0.5
    assert evaluate.accuracy_from_scores([1, 0, 1], [0.9, 0.1, 0.8]) == 1.0
    assert math.isclose(evaluate.accuracy_from_scores([1, 1, 0], [0.2, 0.7, 0.1]), 2 / 3)


@pytest.mark.parametrize(("value", "text"), [(0.94, "0.940000"), (1.0, "1.000000"), (1e-7, "0.000000")])
def test_metric_line_matches_the_metric_definition_regex(value: float, text: str) -> None:
    line = evaluate.metric_line("test:accuracy", value)
    assert line == f"test:accuracy={text};"
    match = re.search(r"test:accuracy=([0-9\.]+);", line)
    assert match and match.group(1) == text


def test_metric_line_rejects_non_finite() -> None:
    with pytest.raises(ValueError, match="nan"):
        evaluate.metric_line("validation:accuracy", float("nan"))
