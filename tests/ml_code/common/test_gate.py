"""The baseline bar the evaluation steps write for the quality gate."""

from __future__ import annotations

import argparse

import pytest

from ml_code.common import gate
from ml_code.common.errors import InputError


def _parse(*argv: str) -> gate.BaselineBar | None:
    parser = argparse.ArgumentParser()
    gate.add_arguments(parser)
    return gate.from_arguments(parser, parser.parse_args(list(argv)))


def test_no_gate_arguments_mean_no_bar() -> None:
    assert _parse() is None
    assert gate.attach({"metrics": {"m": 1.0}}, None) == {"metrics": {"m": 1.0}}


@pytest.mark.parametrize(
    ("direction", "bar"), [("Maximize", 0.6), ("Minimize", 0.4)]
)  # higher is better: baseline + margin; lower is better: baseline - margin
def test_the_bar_is_the_baseline_moved_by_the_margin(direction: str, bar: float) -> None:
    settings = _parse(
        "--gate-metric", "m", "--gate-baseline", "b", "--gate-margin", "0.1", "--gate-direction", direction
    )
    evaluation = {"metrics": {"m": 0.55}, "baselines": {"b": {"m": 0.5}, "other": {"m": 0.9}}}
    assert gate.attach(evaluation, settings)["gate"] == {
        "metric": "m",
        "candidate": 0.55,
        "baseline": "b",
        "baseline_value": 0.5,
        "margin": 0.1,
        "direction": direction,
        "bar": bar,
    }


@pytest.mark.parametrize(
    ("baselines", "metrics", "message"),
    [
        ({"other": {"m": 0.5}}, {"m": 0.5}, "baseline 'b' has no figure for m"),
        ({"b": {"n": 0.5}}, {"m": 0.5}, "baseline 'b' has no figure for m"),
        ({"b": {"m": float("nan")}}, {"m": 0.5}, "baseline 'b' has no figure for m"),
        ({"b": {"m": 0.5}}, {}, "the candidate has no figure for m"),
    ],
)
def test_a_baseline_the_step_does_not_score_is_named(
    baselines: dict[str, dict[str, float]], metrics: dict[str, float], message: str
) -> None:
    settings = gate.BaselineBar("m", "b", 0.1, gate.MAXIMIZE)
    with pytest.raises(InputError, match=message) as raised:
        gate.attach({"metrics": metrics, "baselines": baselines}, settings)
    assert "--gate-baseline" in str(raised.value)


@pytest.mark.parametrize(
    "argv",
    [
        ("--gate-metric", "m"),
        ("--gate-baseline", "b"),
        ("--gate-metric", "m", "--gate-baseline", "b", "--gate-margin", "-1"),
    ],
)
def test_incomplete_or_negative_settings_are_refused(argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit):
        _parse(*argv)
