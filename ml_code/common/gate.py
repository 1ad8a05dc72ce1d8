"""The bar a candidate must clear to beat its baseline, written into evaluation.json for the gate.

The quality gate (stacks/workflow/gate.py) compares the candidate's metric with a baseline's plus a
margin. Step Functions' JSONPath states cannot add decimals (`States.MathAdd` takes integers only:
https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-math-operation),
so the evaluation step, which scored the baseline, also writes the bar. The stack passes the gate's
settings as `--gate-*` arguments (stacks.case_parts.QualityGate.arguments), so the case config is
their only source.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ml_code.common.errors import InputError

MAXIMIZE, MINIMIZE = "Maximize", "Minimize"


@dataclass(frozen=True)
class BaselineBar:
    metric: str
    baseline: str
    margin: float
    direction: str

    def record(
        self, metrics: Mapping[str, Any], baselines: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        """evaluation.json's `gate` block: the baseline's figure and the bar (baseline +/- margin).
        A baseline or metric the step does not score is a configuration error, named as such."""
        source = "the gate's settings (--gate-metric, --gate-baseline)"
        value = (baselines.get(self.baseline) or {}).get(self.metric)
        if not _finite(value):
            raise InputError(
                source, f"baseline {self.baseline!r} has no figure for {self.metric}",
                field=f"baselines.{self.baseline}", expected=f"a baseline of {sorted(baselines)}",
            )  # fmt: skip
        assert isinstance(value, int | float)
        if not _finite(metrics.get(self.metric)):
            raise InputError(source, f"the candidate has no figure for {self.metric}", field="metrics")
        bar = value + self.margin if self.direction == MAXIMIZE else value - self.margin
        return {
            "metric": self.metric,
            "candidate": float(metrics[self.metric]),
            "baseline": self.baseline,
            "baseline_value": round(float(value), 6),
            "margin": self.margin,
            "direction": self.direction,
            "bar": round(bar, 6),
        }


def attach(evaluation: dict[str, Any], bar: BaselineBar | None) -> dict[str, Any]:
    """`evaluation` with its `gate` block, when the gate compares with a baseline."""
    if bar is not None:
        evaluation["gate"] = bar.record(evaluation["metrics"], evaluation.get("baselines", {}))
    return evaluation


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("quality gate (passed by the stack from the case's QualityGate)")
    group.add_argument("--gate-metric", help="the metric the gate compares")
    group.add_argument("--gate-baseline", help="the baseline the candidate must beat")
    group.add_argument("--gate-margin", type=float, default=0.0, help="by how much (default: %(default)s)")
    group.add_argument("--gate-direction", choices=(MAXIMIZE, MINIMIZE), default=MAXIMIZE)


def from_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> BaselineBar | None:
    """None when the gate compares with no baseline; every --gate-* or none of them."""
    if args.gate_baseline is None and args.gate_metric is None:
        return None
    if not (args.gate_baseline and args.gate_metric):
        parser.error("--gate-metric and --gate-baseline go together")
    if not math.isfinite(args.gate_margin) or args.gate_margin < 0:
        parser.error(f"--gate-margin must be a number >= 0, got {args.gate_margin}")
    return BaselineBar(args.gate_metric, args.gate_baseline, args.gate_margin, args.gate_direction)
