"""Household power: DeepAR on daily mean global active power, gated on test RMSE."""

from __future__ import annotations

from stacks.case_local import ForecastSample, LocalData, Quick
from stacks.case_parts import Algorithm, Direction, EndpointSpec, ProcessingStep, QualityGate, TrainingStep
from stacks.case_study import CaseStudy

POWER_FORECASTING = CaseStudy(
    id="power-forecasting",
    short_name="power",
    description="Household power: DeepAR, 30-day context and horizon, daily frequency",
    steps=(
        ProcessingStep(
            "preprocess", "ml_code.power_forecasting.preprocess", {"raw": "raw"}, ("train", "test")
        ),
        TrainingStep(
            "deepar",
            Algorithm("forecasting-deepar"),
            {
                "time_freq": "D",
                "context_length": "30",
                "prediction_length": "30",
                "epochs": "50",
                "num_cells": "50",
                "num_layers": "2",
                "learning_rate": "0.001",
                "early_stopping_patience": "10",
            },
            # With a `test` channel DeepAR reports test:RMSE, which the gate reads.
            {"train": "preprocess/train", "test": "preprocess/test"},
            content_type="application/jsonlines",
        ),
    ),
    # Daily mean power is ~1 kW with day-to-day swings of ~0.5 kW; 0.5 rejects a model no better
    # than guessing yesterday's value.
    gate=QualityGate("deepar", "test:RMSE", Direction.MINIMIZE, 0.5),
    endpoint=EndpointSpec(model_step="deepar"),
    local=LocalData(
        raw_files=("power/daily_mean_global_active_power.csv",),
        key_metrics=("test:RMSE", "test:mean_wQuantileLoss"),
        sample=ForecastSample(
            "preprocess/test",
            horizon=30,
            configuration={
                "num_samples": 50,
                "output_types": ["mean", "quantiles"],
                "quantiles": ["0.1", "0.5", "0.9"],
            },
        ),
        # a 2-epoch DeepAR cannot meet the real RMSE gate: the quick runs test the paths
        quick=Quick(
            hyperparameters={
                "deepar": {
                    "epochs": "2",
                    "num_cells": "10",
                    "num_layers": "1",
                    "early_stopping_patience": "2",
                }
            },
            gate_threshold=2.0,
        ),
        seed_figures={"test:RMSE": 0.348, "test:mean_wQuantileLoss": 0.143},  # the seed's SageMaker DeepAR
    ),
)
