"""The failed run's one line, from an event history: expected outcomes are never the reason."""

from __future__ import annotations

import json
from pathlib import Path

from local_runtime import failure_reason
from stacks.cases.moons import MOON_CLASSIFICATION


def test_the_reason_skips_the_expected_and_names_the_raw_file_by_its_data_dir_place(tmp_path: Path) -> None:
    staged = tmp_path / "jobs" / "moons-pre-1" / "opt_ml" / "processing" / "input" / "raw" / "train.csv"
    job = {
        "ProcessingJobName": "moons-pre-1",
        "ProcessingInputs": [
            {"S3Input": {"S3Uri": "s3://data/moons/raw/", "LocalPath": "/opt/ml/processing/input/raw"}}
        ],
        "FailureReason": f"InputError: {staged}, row 7, field 'x': '' is not a number",
    }
    config = {"config": {"raw_data_uri": "s3://data/moons/raw/"}}
    events = [
        {"stateEnteredEventDetails": {"name": "FindEndpoint"}},
        {
            "taskFailedEventDetails": {
                "error": "SageMaker.ValidationException",
                "cause": "Could not find endpoint x",
            }
        },
        {"stateExitedEventDetails": {"name": "ResolveConfig", "output": json.dumps(config)}},
        {"stateEnteredEventDetails": {"name": "Preprocess"}},
        {"taskFailedEventDetails": {"error": "States.TaskFailed", "cause": json.dumps(job)}},
        {"stateEnteredEventDetails": {"name": "PipelineFailed"}},
        {"executionFailedEventDetails": {"error": "StepFailed", "cause": "States.TaskFailed: {}"}},
    ]
    failure = failure_reason.explain(
        MOON_CLASSIFICATION, events, error="StepFailed", cause="...", workdir=tmp_path
    )
    assert failure.line("r.html") == (
        "moon-classification failed at Preprocess: processing job moons-pre-1: InputError: "
        "<data dir>/moons/train.csv, row 7, field 'x': '' is not a number (more: report r.html)"
    )


def test_a_failure_without_a_job_names_the_state_and_its_words(tmp_path: Path) -> None:
    events = [
        {"stateEnteredEventDetails": {"name": "QualityGateFailed"}},
        {"executionFailedEventDetails": {"error": "QualityGateFailed", "cause": "test:accuracy 0.9 < 0.999"}},
    ]
    failure = failure_reason.explain(
        MOON_CLASSIFICATION,
        events,
        error="QualityGateFailed",
        cause="test:accuracy 0.9 < 0.999",
        workdir=tmp_path,
    )
    assert failure.line(None) == (
        "moon-classification failed at QualityGateFailed: QualityGateFailed: test:accuracy 0.9 < 0.999"
    )
