"""Moons: a PyTorch MLP in script mode, tuned over hidden size and learning rate."""

from __future__ import annotations

from stacks.case_local import CsvSample, LocalData, Quick
from stacks.case_parts import (
    Algorithm,
    Direction,
    EndpointSpec,
    ImageSpec,
    ParameterRange,
    ProcessingStep,
    QualityGate,
    TrainingStep,
    TransformStep,
    Tuning,
)
from stacks.case_study import CaseStudy

MOON_CLASSIFICATION = CaseStudy(
    id="moon-classification",
    short_name="moons",
    description="Two moons: PyTorch MLP in script mode, tuned over hidden size and learning rate",
    steps=(
        ProcessingStep(
            "preprocess",
            "ml_code.moon_classification.preprocess",
            {"raw": "raw"},
            ("train", "test", "test_features"),
        ),
        TrainingStep(
            "mlp",
            # Trained in the PyTorch 2.13 image (the torch the local runtime runs), served by the
            # newest PyTorch serving image SageMaker offers (2.6): the model is a plain state_dict.
            Algorithm(
                "pytorch-amzn2023",
                version="2.13",
                script="ml_code/moon_classification/train.py",
                inference_module="ml_code.moon_classification.inference",
                serving=ImageSpec("pytorch", "2.6", "py312"),
                metric_definitions={
                    "validation:accuracy": r"validation:accuracy=([0-9\.]+);",
                    "test:accuracy": r"test:accuracy=([0-9\.]+);",
                    # a logistic regression on the same rows (ml_code/moon_classification/evaluate.py)
                    "baseline:logistic_regression:test:accuracy": r"test:baseline_accuracy=([0-9\.]+);",
                },
            ),
            # chosen on validation accuracy over 5 seeds (bench/select_moons.py, results in
            # bench/results/moons_selection.md): longer training with AdamW's weight decay
            {"epochs": "200", "weight_decay": "0.1", "input_features": "2", "output_dim": "1"},
            {"train": "preprocess/train", "test": "preprocess/test"},
            tuning=Tuning(
                "validation:accuracy",
                Direction.MAXIMIZE,
                (
                    ParameterRange("hidden_dim", "Integer", 12, 32),
                    ParameterRange("lr", "Continuous", 0.005, 0.05, "Logarithmic"),
                ),
                max_jobs=6,
                max_parallel=2,
            ),
        ),
        # the deployed model scores the test rows as its endpoint would, beside a straight boundary
        TransformStep("score", "mlp", "preprocess/test_features", "predictions"),
        ProcessingStep(
            "evaluate",
            "ml_code.moon_classification.evaluate",
            {"train": "preprocess/train", "test": "preprocess/test", "predictions": "score/predictions"},
            ("evaluation",),
        ),
    ),
    # The moons are not linearly separable: beat a logistic regression (0.853) by 0.03 and reach 0.9.
    gate=QualityGate(
        "evaluate", "test:accuracy", Direction.MAXIMIZE, 0.9, baseline="logistic_regression", margin=0.03
    ),
    endpoint=EndpointSpec(model_step="mlp"),
    local=LocalData(
        raw_files=("moons/train.csv", "moons/test.csv"),
        key_metrics=("test:accuracy",),
        sample=CsvSample("preprocess/test", drop_columns=1),  # label, x1, x2
        # Untuned in the quick runs: a tuning job draws new candidates each run (no RandomSeed), so a
        # rerun's model could lose to the deployed one; update and rollback tests need equal models.
        quick=Quick(untuned={"mlp": {"hidden_dim": "24", "lr": "0.01", "epochs": "100"}}),
        seed_figures={"test:accuracy": 0.807},
    ),
)
