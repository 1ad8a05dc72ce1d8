"""Fraud evaluation on a hand-made example whose figures are worked out below, and on broken inputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ml_code.common.errors import InputError
from ml_code.fraud_detection import evaluate

LABELS = [1, 1, 1, 0, 0, 0, 0, 0]
SCORES = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.05, 0.4]
PREDICTED = [1, 1, 0, 1, 0, 0, 0, 0]  # threshold 0.5: tp 2, fp 1, fn 1, tn 4
RATES = {"0": 0.1, "1": 1.0}  # each legitimate row stands for 10


def _inputs(
    root: Path, records: Sequence[Mapping[str, object]] | None = None, labels: list[int] = LABELS
) -> list[str]:
    (root / "test").mkdir(parents=True)
    (root / "test" / "test.csv").write_text("".join(f"{y},{i}.5,-1.0\n" for i, y in enumerate(labels)))
    records = records or [{"score": s, "predicted_label": p} for s, p in zip(SCORES, PREDICTED, strict=True)]
    (root / "predictions").mkdir()
    (root / "predictions" / "test_features.csv.out").write_text(
        "".join(json.dumps(r) + "\n" for r in records)
    )
    (root / "meta").mkdir()
    (root / "meta" / "sampling.json").write_text(json.dumps({"sampling_rate": RATES, "seed": 42}))
    argv = [a for n in ("test", "predictions", "meta") for a in ("--input-dir", f"{n}={root / n}")]
    return argv + [a for n in ("evaluation", "report") for a in ("--output-dir", f"{n}={root / 'out' / n}")]


def test_known_values_on_the_sample_and_prior_corrected(tmp_path: Path) -> None:
    assert evaluate.main(_inputs(tmp_path)) == 0
    result = json.loads((tmp_path / "out" / "evaluation" / "evaluation.json").read_text())
    assert result["metrics"] == {
        "test:recall": pytest.approx(2 / 3),
        "test:precision": pytest.approx(2 / 3),
        "test:precision_prior_corrected": pytest.approx(2 / (2 + 10)),
        "test:accuracy": pytest.approx(6 / 8),
        "test:accuracy_prior_corrected": pytest.approx((2 + 40) / (3 + 50)),
        # step sums over recall: 1/3*1 + 1/3*1 + 1/3*(3/5), and with weights 1/3*(3/23) at the last step
        "auprc": pytest.approx(13 / 15),
        "auprc_prior_corrected": pytest.approx(2 / 3 + 1 / 23),
    }
    assert result["confusion_matrix"] == {"tp": 2.0, "fp": 1.0, "tn": 4.0, "fn": 1.0}
    assert result["confusion_matrix_prior_corrected"] == {"tp": 2.0, "fp": 10.0, "tn": 40.0, "fn": 1.0}
    assert result["threshold"] == 0.7 and result["n_test"] == {"0": 5, "1": 3}
    for png in ("precision_recall.png", "confusion_matrix.png"):
        assert (tmp_path / "out" / "report" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_batched_json_predictions_give_the_same_figures(tmp_path: Path) -> None:
    batches = [
        {
            "predictions": [
                {"score": s, "predicted_label": p}
                for s, p in zip(SCORES[i : i + 3], PREDICTED[i : i + 3], strict=True)
            ]
        }
        for i in range(0, 8, 3)
    ]  # what batch transform writes with accept application/json, one response per mini-batch
    assert evaluate.main(_inputs(tmp_path, batches)) == 0
    result = json.loads((tmp_path / "out" / "evaluation" / "evaluation.json").read_text())
    assert result["metrics"]["test:precision_prior_corrected"] == pytest.approx(1 / 6)


def test_row_count_mismatch_is_an_input_error_and_writes_nothing(tmp_path: Path) -> None:
    argv = _inputs(tmp_path, labels=[*LABELS, 0])
    with pytest.raises(InputError, match="8 predictions for 9 test rows"):
        evaluate.main.__wrapped__(argv)  # type: ignore[attr-defined]
    assert evaluate.main(argv) == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"score": "high", "predicted_label": 1}, "score"),
        ({"score": 0.5, "predicted_label": 2}, "predicted_label"),
    ],
)
def test_bad_prediction_record_names_row_and_field(
    tmp_path: Path, record: dict[str, object], field: str
) -> None:
    records: list[dict[str, object]] = [
        {"score": s, "predicted_label": p} for s, p in zip(SCORES, PREDICTED, strict=True)
    ]
    records[4] = record
    _inputs(tmp_path, records)
    with pytest.raises(InputError) as caught:
        evaluate.read_predictions(tmp_path / "predictions" / "test_features.csv.out")
    assert (caught.value.row, caught.value.field) == (5, field)


def test_labels_must_be_binary(tmp_path: Path) -> None:
    _inputs(tmp_path, labels=[1, 1, 1, 0, 0, 3, 0, 0])
    with pytest.raises(InputError) as caught:
        evaluate.read_labels(tmp_path / "test")
    assert (caught.value.row, caught.value.field) == (6, "label")


def _candidate(root: Path, name: str, validation: list[float], test: list[float], *, csv: bool) -> None:
    (root / name).mkdir()
    for split, scores in (("validation", validation), ("test", test)):
        lines = [
            f"{s}\n" if csv else json.dumps({"score": s, "predicted_label": int(s > 0.5)}) + "\n"
            for s in scores
        ]
        (root / name / f"{split}.csv.out").write_text("".join(lines))


def test_candidates_are_chosen_on_validation_and_scored_at_a_validation_threshold(tmp_path: Path) -> None:
    argv = _inputs(tmp_path)
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "validation.csv").write_text("1,0.1\n1,0.2\n0,0.3\n0,0.4\n")
    # `ranker` separates validation perfectly (LinearLearner-style JSON); `reversed` inverts it (CSV)
    _candidate(tmp_path, "ranker", [0.9, 0.6, 0.2, 0.1], SCORES, csv=False)
    _candidate(tmp_path, "reversed", [0.1, 0.2, 0.6, 0.9], [1 - s for s in SCORES], csv=True)
    argv += [a for n in ("validation", "ranker", "reversed") for a in ("--input-dir", f"{n}={tmp_path / n}")]
    assert evaluate.main([*argv, "--candidates", "ranker,reversed", "--target-recall", "0.9"]) == 0
    result = json.loads((tmp_path / "out" / "evaluation" / "evaluation.json").read_text())
    assert result["chosen"] == "ranker"
    ranker = result["candidates"]["ranker"]
    assert ranker["threshold"] == 0.6  # the highest validation score that keeps recall >= 0.9
    assert ranker["metrics"]["validation:auprc_prior_corrected"] == pytest.approx(1.0)
    assert result["candidates"]["reversed"]["metrics"]["validation:auprc_prior_corrected"] < 0.5
    # test at threshold 0.6: flags 0.9, 0.8, 0.7 -> tp 2, fp 1, fn 1, as the model's own labels did above
    assert result["metrics"]["test:recall"] == pytest.approx(2 / 3)
    assert result["metrics"]["test:precision_prior_corrected"] == pytest.approx(2 / 12)
    assert result["threshold"] == 0.6 and "majority_class" in result["baselines"]


def test_a_candidate_whose_scores_do_not_fit_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _inputs(tmp_path)
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "validation.csv").write_text("1,0.1\n0,0.3\n")
    _candidate(tmp_path, "short", [0.9, 0.1], SCORES[:5], csv=True)
    argv += [a for n in ("validation", "short") for a in ("--input-dir", f"{n}={tmp_path / n}")]
    assert evaluate.main([*argv, "--candidates", "short"]) == 2
    assert "test.csv.out: 5 scores for 8 test rows" in capsys.readouterr().err
    (tmp_path / "short" / "test.csv.out").write_text("0.5\nNaN\n" + "0.1\n" * 6)
    assert evaluate.main([*argv, "--candidates", "short"]) == 2
    assert "row 2" in capsys.readouterr().err and not (tmp_path / "out" / "evaluation").exists()
