"""Population segmentation: PCA of the ACS county data, then k-means on the top components."""

from __future__ import annotations

from stacks.case_local import CsvSample, LocalData
from stacks.case_parts import (
    Algorithm,
    Direction,
    EndpointSpec,
    ProcessingStep,
    QualityGate,
    TrainingStep,
    TransformStep,
)
from stacks.case_study import CaseStudy

_POP = "ml_code.population_segmentation"
POPULATION_SEGMENTATION = CaseStudy(
    id="population-segmentation",
    short_name="popseg",
    description="US census counties: PCA (33 components), top 7 into k-means (k=8)",
    steps=(
        ProcessingStep("preprocess", f"{_POP}.preprocess", {"raw": "raw"}, ("train", "meta")),
        TrainingStep(
            "pca",
            Algorithm("pca"),
            # feature_dim: the 34 numeric ACS columns left after dropping CensusId, State, County.
            {"feature_dim": "34", "num_components": "33", "mini_batch_size": "500", "subtract_mean": "True"},
            {"train": "preprocess/train"},
        ),
        TransformStep("project", "pca", "preprocess/train", "projections"),
        ProcessingStep(
            "select",
            f"{_POP}.select_components",
            {"projections": "project/projections"},
            ("train", "meta"),
            ("--top-k", "7"),
        ),
        TrainingStep(
            "kmeans",
            Algorithm("kmeans"),
            {"feature_dim": "7", "k": "8", "mini_batch_size": "500", "init_method": "kmeans++"},
            {"train": "select/train"},
        ),
        TransformStep("assign", "kmeans", "select/train", "assignments"),
        ProcessingStep(
            "evaluate",
            f"{_POP}.evaluate",
            {
                "meta": "preprocess/meta",
                "scaled": "preprocess/train",
                "components": "select/train",
                "variance": "select/meta",
                "assignments": "assign/assignments",
            },
            ("evaluation", "clusters", "report"),
        ),
    ),
    # The endpoint serves the clustering, so the gate judges it: a silhouette of at least 0.15 in the
    # kept components' space, 0.1 above the same number of clusters assigned at random (about -0.02).
    gate=QualityGate(
        "evaluate", "silhouette", Direction.MAXIMIZE, 0.15, baseline="random_assignment", margin=0.1
    ),
    endpoint=EndpointSpec(model_step="kmeans"),
    local=LocalData(
        raw_files=("census/acs2015_county_data.csv",),
        key_metrics=("explained_variance_top_k", "silhouette"),
        sample=CsvSample("select/train"),  # a county's top components, what k-means is served
        seed_figures={"explained_variance_top_k": 0.8017},
    ),
)
