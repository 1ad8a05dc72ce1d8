"""Typed, frozen building blocks of a case study: algorithm, steps, tuning, gate and endpoint.

Data references between steps are strings: `raw` (the raw-data prefix the execution starts from)
or `<step>/<output>` (an output prefix of an earlier step in the same execution).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

BUILTIN_ALGORITHMS = ("pca", "kmeans", "linear-learner", "forecasting-deepar", "xgboost")
SCRIPT_MODE_FRAMEWORKS = ("pytorch", "pytorch-amzn2023")


class Direction(Enum):
    """Which way a metric improves; the values are SageMaker's tuning objective types."""

    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"


@dataclass(frozen=True)
class ImageSpec:
    """A container image as `sagemaker.core.image_uris` names it."""

    framework: str
    version: str
    py_version: str | None = None


@dataclass(frozen=True)
class Algorithm:
    """A SageMaker built-in algorithm, or a framework image running our script in script mode."""

    framework: str  # the `image_uris` framework name of the training image
    version: str = "1"
    py_version: str | None = None
    script: str | None = None  # script mode: sagemaker_program, relative to the code root
    # Framework images: SAGEMAKER_PROGRAM of the serving image, imported from <model>/code/ (the
    # training script copies it there), and the serving image itself.
    inference_module: str | None = None
    serving: ImageSpec | None = None
    metric_definitions: Mapping[str, str] = field(default_factory=dict)  # name -> regex (script mode)

    def __post_init__(self) -> None:
        if self.framework not in (*BUILTIN_ALGORITHMS, *SCRIPT_MODE_FRAMEWORKS):
            raise ValueError(f"unknown algorithm {self.framework!r}")
        if self.is_builtin == bool(self.script):
            raise ValueError(f"{self.framework}: a script is required for framework images only")
        if not self.is_builtin and not (self.inference_module and self.serving):
            raise ValueError(f"{self.framework}: framework images need inference_module and serving")

    @property
    def is_builtin(self) -> bool:
        return self.framework in BUILTIN_ALGORITHMS


@dataclass(frozen=True)
class ParameterRange:
    name: str
    kind: str  # Integer | Continuous
    min_value: float
    max_value: float
    scaling: str = "Auto"  # Auto | Linear | Logarithmic

    def __post_init__(self) -> None:
        if self.kind not in ("Integer", "Continuous") or not self.min_value < self.max_value:
            raise ValueError(f"bad range for {self.name}: {self}")


@dataclass(frozen=True)
class Tuning:
    objective_metric: str
    direction: Direction
    ranges: tuple[ParameterRange, ...]
    strategy: str = "Bayesian"
    max_jobs: int = 8
    max_parallel: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.max_parallel <= self.max_jobs:
            raise ValueError("tuning: need 1 <= max_parallel <= max_jobs")


@dataclass(frozen=True)
class ProcessingStep:
    """`python -m <module>` in the processing image (`stacks/images.py`; see ml_code/README.md)."""

    name: str
    module: str
    inputs: Mapping[str, str]  # input name -> data reference
    outputs: tuple[str, ...]
    arguments: tuple[str, ...] = ()
    instance_type: str = "ml.m5.large"


@dataclass(frozen=True)
class TrainingStep:
    name: str
    algorithm: Algorithm
    hyperparameters: Mapping[str, str]  # SageMaker's own names; values are strings in the API
    channels: Mapping[str, str]  # channel name -> data reference
    content_type: str = "text/csv"
    tuning: Tuning | None = None
    instance_type: str = "ml.m5.xlarge"


@dataclass(frozen=True)
class TransformStep:
    """Batch transform of `input` with the model trained by `model_step`; writes `<name>/<output>`."""

    name: str
    model_step: str
    input: str
    output: str
    instance_type: str = "ml.m5.large"
    content_type: str = "text/csv"
    accept: str = "application/jsonlines"
    # SingleRecord sends one record (line) per request: DeepAR forecasts one series per line.
    batch_strategy: str = "MultiRecord"

    def __post_init__(self) -> None:
        if self.batch_strategy not in ("MultiRecord", "SingleRecord"):
            raise ValueError(f"transform {self.name}: batch_strategy must be MultiRecord or SingleRecord")


Step = ProcessingStep | TrainingStep | TransformStep


@dataclass(frozen=True)
class QualityGate:
    """`step` is a training step (its final metrics) or a processing step writing evaluation.json.

    With a `baseline` (a model the step scores beside the candidate, e.g. `naive_last_30`), the
    candidate must also beat that baseline's figure by `margin`. The step receives these settings as
    `--gate-*` arguments and writes the bar into evaluation.json (ml_code/common/gate.py), because
    Step Functions cannot add decimals; so a baseline needs a processing step.
    """

    step: str
    metric: str
    direction: Direction
    threshold: float
    baseline: str | None = None
    margin: float = 0.0

    def __post_init__(self) -> None:
        if self.margin < 0 or (self.margin and not self.baseline):
            raise ValueError(f"gate {self.metric}: margin must be >= 0, and set only with a baseline")

    def arguments(self) -> tuple[str, ...]:
        """What the gate's processing step is started with (none when there is no baseline)."""
        if self.baseline is None:
            return ()
        return (
            "--gate-metric", self.metric, "--gate-baseline", self.baseline,
            "--gate-margin", f"{self.margin:g}", "--gate-direction", self.direction.value,
        )  # fmt: skip


@dataclass(frozen=True)
class EndpointSpec:
    """`model_step` is the training step whose model is served; with `challengers` (other training
    steps), the gate's evaluation step scores them all and writes `"chosen": "<step>"` into
    evaluation.json, and the chosen model is the one deployed."""

    model_step: str
    challengers: tuple[str, ...] = ()
    instance_type: str = "ml.m5.large"
    instance_count: int = 2
    canary_instances: int = 1
    bake_time_s: int = 600  # canary wait interval before the rest of the traffic shifts
    termination_wait_s: int = 300
    max_execution_timeout_s: int = 3600
    max_5xx_per_minute: int = 1
    max_model_latency_ms: int = 500

    def __post_init__(self) -> None:
        # A canary may take at most half the fleet:
        # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html
        if not 1 <= self.canary_instances <= self.instance_count // 2:
            raise ValueError("canary_instances must be between 1 and half of instance_count")
        if self.model_step in self.challengers or len(set(self.challengers)) != len(self.challengers):
            raise ValueError("challengers must be distinct from each other and from model_step")

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.model_step, *self.challengers)
