"""Hyperparameter search spaces and strategies, as SageMaker's tuner defines them.

Grid search enumerates every combination of categorical values (SageMaker allows only categorical
ranges with Grid). Random search draws each parameter independently on its scale: Linear uniform,
Logarithmic uniform in log space (needs a positive range), ReverseLogarithmic for continuous ranges
in [0, 1). `Auto` is taken as Linear, SageMaker's choice when it has no prior evidence.
No Bayesian optimisation library is installed here, so Bayesian runs as Random search (recorded
in the job's description).
See https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-define-ranges.html
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

from local_runtime.errors import SageMakerError

STRATEGIES = {"Random", "Grid", "Bayesian"}


def _invalid(message: str) -> SageMakerError:
    return SageMakerError("ValidationException", message)


def _check_scale(kind: str, spec: dict[str, Any], low: float, high: float) -> str:
    scale = spec.get("ScalingType", "Auto")
    if scale not in {"Auto", "Linear", "Logarithmic", "ReverseLogarithmic"}:
        raise _invalid(f"ScalingType {scale!r} of {spec['Name']} is not valid")
    if low > high:
        raise _invalid(f"MinValue of {spec['Name']} is greater than its MaxValue")
    if scale == "Logarithmic" and low <= 0:
        raise _invalid(f"Logarithmic scaling of {spec['Name']} needs a range above 0")
    if scale == "ReverseLogarithmic" and (kind == "Integer" or low < 0 or high >= 1):
        raise _invalid(f"ReverseLogarithmic scaling of {spec['Name']} needs a continuous range in [0, 1)")
    return "Linear" if scale == "Auto" else scale


def _draw(rng: random.Random, scale: str, low: float, high: float) -> float:
    if scale == "Logarithmic":
        return math.exp(rng.uniform(math.log(low), math.log(high)))
    if scale == "ReverseLogarithmic":
        return 1 - math.exp(rng.uniform(math.log(1 - high), math.log(1 - low)))
    return rng.uniform(low, high)


def validate(strategy: str, ranges: dict[str, Any]) -> None:
    if strategy not in STRATEGIES:
        raise _invalid(f"Strategy {strategy!r} is not supported locally (use one of {sorted(STRATEGIES)})")
    for kind in ("Integer", "Continuous"):
        for spec in ranges.get(f"{kind}ParameterRanges", []):
            if strategy == "Grid":
                raise _invalid("Grid search supports only CategoricalParameterRanges")
            _check_scale(kind, spec, float(spec["MinValue"]), float(spec["MaxValue"]))
    for spec in ranges.get("CategoricalParameterRanges", []):
        if not spec.get("Values"):
            raise _invalid(f"categorical parameter {spec.get('Name')} has no Values")


def grid(ranges: dict[str, Any]) -> list[dict[str, str]]:
    specs = ranges.get("CategoricalParameterRanges", [])
    names = [spec["Name"] for spec in specs]
    return [
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*(s["Values"] for s in specs))
    ]


def random_draw(ranges: dict[str, Any], rng: random.Random) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in ranges.get("IntegerParameterRanges", []):
        first, last = int(spec["MinValue"]), int(spec["MaxValue"])
        scale = _check_scale("Integer", spec, first, last)
        # Draw on [first - 0.5, last + 0.5) so the end values are as likely as the others.
        value = round(_draw(rng, scale, first - 0.5, last + 0.5))
        out[spec["Name"]] = str(min(max(value, first), last))
    for spec in ranges.get("ContinuousParameterRanges", []):
        low, high = float(spec["MinValue"]), float(spec["MaxValue"])
        out[spec["Name"]] = repr(_draw(rng, _check_scale("Continuous", spec, low, high), low, high))
    for spec in ranges.get("CategoricalParameterRanges", []):
        out[spec["Name"]] = str(rng.choice(spec["Values"]))
    return out


def configurations(
    strategy: str, ranges: dict[str, Any], count: int | None, seed: int
) -> list[dict[str, str]]:
    """The hyperparameter sets to train, in launch order (Grid: all combinations, at most `count`)."""
    if strategy == "Grid":
        combos = grid(ranges)
        return combos[:count] if count else combos
    if not count:
        raise _invalid("ResourceLimits.MaxNumberOfTrainingJobs is required for Random and Bayesian search")
    rng = random.Random(seed)
    return [random_draw(ranges, rng) for _ in range(count)]
