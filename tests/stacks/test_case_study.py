"""Case studies are validated data: bad references fail at synth, not an hour into an execution."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.case_local import LocalData
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
from stacks.cases import ALL, MOON_CLASSIFICATION, POPULATION_SEGMENTATION, POWER_FORECASTING


def test_case_studies_have_unique_ids_short_names_and_data() -> None:
    assert (
        len({c.id for c in ALL})
        == len({c.short_name for c in ALL})
        == len({c.local.folder for c in ALL})
        == len(ALL)
    )


def test_seed_defaults() -> None:
    pca = POPULATION_SEGMENTATION.step("pca")
    kmeans = POPULATION_SEGMENTATION.step("kmeans")
    assert isinstance(pca, TrainingStep) and isinstance(kmeans, TrainingStep)
    assert (
        pca.hyperparameters["num_components"],
        kmeans.hyperparameters["k"],
        kmeans.hyperparameters["feature_dim"],
    ) == ("33", "8", "7")
    assert POWER_FORECASTING.gate == QualityGate(
        "evaluate", "test:mean_wQuantileLoss", Direction.MINIMIZE, 0.25, baseline="naive_last_30", margin=0.01
    )
    assert all(c.endpoint.instance_count == 2 and c.endpoint.canary_instances == 1 for c in ALL)


def _case(**changes: object) -> CaseStudy:
    return dataclasses.replace(POWER_FORECASTING, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"short_name": "Power!"}, "short_name"),
        ({"raw_data_prefix": "power/raw"}, "must end with"),
        ({"steps": POWER_FORECASTING.steps[1:]}, "first step must be the preprocessing"),
        ({"gate": QualityGate("nope", "x", Direction.MAXIMIZE, 1)}, "gate step"),
        (
            {"gate": QualityGate("deepar", "test:RMSE", Direction.MINIMIZE, 1, baseline="naive_last_30")},
            "needs a processing step",
        ),
        ({"endpoint": EndpointSpec(model_step="preprocess")}, "endpoint model_step"),
        ({"endpoint": EndpointSpec(model_step="deepar", challengers=("evaluate",))}, "challengers must name"),
        (
            {"steps": (*POWER_FORECASTING.steps, TransformStep("tt", "deepar", "preprocess/nope", "out"))},
            "no earlier step writes",
        ),
        (
            {"steps": (*POWER_FORECASTING.steps, ProcessingStep("preprocess", "m", {}, ()))},
            "invalid or repeated",
        ),
        (
            {
                "short_name": "longername",
                "steps": (ProcessingStep("a-very-long-step", "m", {"raw": "raw"}, ()),),
            },
            "19 characters",
        ),
    ],
)
def test_invalid_case_studies_are_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _case(**changes)


def test_parts_validate_themselves() -> None:
    with pytest.raises(ValueError, match="half"):
        EndpointSpec(model_step="m", instance_count=2, canary_instances=2)
    with pytest.raises(ValueError, match="unknown algorithm"):
        Algorithm("catboost")
    with pytest.raises(ValueError, match="script"):
        Algorithm("pytorch")
    with pytest.raises(ValueError, match=r"seed_figures name metrics that are not key_metrics: \['recall'\]"):
        LocalData(raw_files=("d/a.csv",), key_metrics=("test:RMSE",), seed_figures={"recall": 0.9})


def test_script_mode_gate_metric_must_be_parsed_from_the_logs() -> None:
    with pytest.raises(ValueError, match="not in the metric definitions"):
        dataclasses.replace(MOON_CLASSIFICATION, gate=QualityGate("mlp", "test:f1", Direction.MAXIMIZE, 0.9))


def test_raw_data_prefix_defaults_to_the_case_id() -> None:
    assert POWER_FORECASTING.raw_prefix == "power-forecasting/raw/"
    assert _case(raw_data_prefix="shared/uci/").raw_prefix == "shared/uci/"


@pytest.mark.parametrize("changes", [{"margin": -0.1, "baseline": "b"}, {"margin": 0.1}])
def test_a_gate_margin_is_positive_and_needs_a_baseline(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="margin"):
        QualityGate("evaluate", "m", Direction.MAXIMIZE, 1, **changes)  # type: ignore[arg-type]


def test_the_gate_step_receives_the_gate_settings() -> None:
    evaluate, preprocess = POWER_FORECASTING.step("evaluate"), POWER_FORECASTING.step("preprocess")
    assert isinstance(evaluate, ProcessingStep) and isinstance(preprocess, ProcessingStep)
    assert POWER_FORECASTING.arguments(evaluate)[-8:] == (
        "--gate-metric", "test:mean_wQuantileLoss", "--gate-baseline", "naive_last_30",
        "--gate-margin", "0.01", "--gate-direction", "Minimize",
    )  # fmt: skip
    assert POWER_FORECASTING.arguments(preprocess) == preprocess.arguments


def test_challengers_are_distinct_training_steps_chosen_at_a_processing_gate() -> None:
    with pytest.raises(ValueError, match="distinct"):
        EndpointSpec(model_step="a", challengers=("a",))
    with pytest.raises(ValueError, match="distinct"):
        EndpointSpec(model_step="a", challengers=("b", "b"))
    moons = MOON_CLASSIFICATION
    second = dataclasses.replace(moons.steps[1], name="mlp-b")
    on_training = QualityGate("mlp", "test:accuracy", Direction.MAXIMIZE, 0.9)  # its job's metrics
    with pytest.raises(ValueError, match="needs a processing step at the gate"):
        dataclasses.replace(
            moons,
            steps=(*moons.steps, second),
            endpoint=EndpointSpec("mlp", challengers=("mlp-b",)),
            gate=on_training,
        )
    assert EndpointSpec("a", challengers=("b",)).candidates == ("a", "b")
