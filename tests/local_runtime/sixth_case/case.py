"""The sixth case study, defined in one object: its code (`code/tinycase`) and data (`data/tiny`)
live beside it. Nothing else in the repository names it."""

from __future__ import annotations

from pathlib import Path

from stacks.case_local import CsvSample, LocalData
from stacks.case_parts import Algorithm, Direction, EndpointSpec, ProcessingStep, QualityGate, TrainingStep
from stacks.case_study import CaseStudy

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"

TINY_CLUSTERS = CaseStudy(
    id="tiny-clusters",
    short_name="tiny",
    description="Two blobs of points: k-means (k=2), gated on its training distance",
    steps=(
        ProcessingStep("preprocess", "tinycase.preprocess", {"raw": "raw"}, ("train",)),
        TrainingStep(
            "kmeans",
            Algorithm("kmeans"),
            {"feature_dim": "2", "k": "2", "mini_batch_size": "20"},
            {"train": "preprocess/train"},
        ),
    ),
    gate=QualityGate("kmeans", "train:msd", Direction.MINIMIZE, 5.0),
    endpoint=EndpointSpec(model_step="kmeans"),
    local=LocalData(
        raw_files=("tiny/points.csv",),
        key_metrics=("train:msd",),
        sample=CsvSample("preprocess/train"),
    ),
    code_package=HERE / "code" / "tinycase",
)
