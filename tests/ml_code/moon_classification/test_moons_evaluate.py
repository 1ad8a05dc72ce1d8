"""Known-value tests for the moons scoring helpers and the metric-line format SageMaker parses."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

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


def test_log_loss_known_values() -> None:
    assert math.isclose(evaluate.log_loss([1, 0], [0.5, 0.5]), math.log(2))
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3
    assert math.isclose(evaluate.log_loss([1, 0, 1], [0.9, 0.2, 0.6]), expected)
    assert evaluate.log_loss([1, 0], [1.0, 0.0]) < 1e-6


def test_log_loss_clips_a_confident_mistake() -> None:
    assert math.isclose(evaluate.log_loss([1], [0.0]), -math.log(1e-7))
    assert math.isclose(evaluate.log_loss([0], [1.0]), -math.log(1e-7), rel_tol=1e-6)


def test_log_loss_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="3 values, scores 2"):
        evaluate.log_loss([1, 0, 1], [0.5, 0.5])


def test_the_evaluate_step_scores_predictions_beside_a_logistic_regression(tmp_path: Path) -> None:
    from ml_code.moon_classification import preprocess

    data = Path(__file__).resolve().parents[3] / "data" / "moons"
    outputs = [a for n in ("train", "test", "test_features") for a in ("--output-dir", f"{n}={tmp_path / n}")]
    assert preprocess.main(["--input-dir", f"raw={data}", *outputs]) == 0
    features = (tmp_path / "test_features" / "test_features.csv").read_text().splitlines()
    labels = [
        int(float(line.split(",")[0])) for line in (tmp_path / "test" / "test.csv").read_text().splitlines()
    ]
    assert len(features) == len(labels) == 150
    (tmp_path / "predictions").mkdir()  # a model right on all but the first row
    records = [
        {"score": float(y if i else 1 - y), "predicted_label": y if i else 1 - y}
        for i, y in enumerate(labels)
    ]
    (tmp_path / "predictions" / "test_features.csv.out").write_text(
        "".join(json.dumps(r) + "\n" for r in records)
    )
    inputs = [a for n in ("train", "test", "predictions") for a in ("--input-dir", f"{n}={tmp_path / n}")]
    gate_args = [
        "--gate-metric",
        "test:accuracy",
        "--gate-baseline",
        "logistic_regression",
        "--gate-margin",
        "0.03",
    ]
    assert evaluate.main([*inputs, "--output-dir", f"evaluation={tmp_path / 'evaluation'}", *gate_args]) == 0
    result = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert result["metrics"]["test:accuracy"] == pytest.approx(149 / 150)
    linear = result["baselines"]["logistic_regression"]["test:accuracy"]
    assert 0.8 < linear < 0.9  # the moons are not linearly separable
    assert result["gate"]["bar"] == pytest.approx(linear + 0.03, abs=1e-6)
