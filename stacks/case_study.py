"""A case study is one frozen object; the pipeline (stacks.workflow) is code that reads it.

Adding a case study means adding one `CaseStudy` to stacks/cases/, its code and its data.
Everything is checked here, at synth time, so a bad reference fails `cdk synth` with a clear message
instead of failing an execution an hour in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from stacks import code_asset
from stacks.case_local import LocalData
from stacks.case_parts import EndpointSpec, ProcessingStep, QualityGate, Step, TrainingStep, TransformStep

_SHORT_NAME = re.compile(r"^[a-z][a-z0-9]{1,9}$")
_STEP_NAME = re.compile(r"^[a-z][a-z0-9-]{1,15}$")


@dataclass(frozen=True)
class CaseStudy:
    id: str  # e.g. population-segmentation; the S3 prefix and the stack name
    short_name: str  # <= 10 chars, prefixes SageMaker job names (tuning job names allow only 32)
    description: str
    steps: tuple[Step, ...]  # run in order; the first is the preprocessing job reading `raw`
    gate: QualityGate
    endpoint: EndpointSpec
    local: LocalData  # data, sample request, key figures, quick test settings (not read by the CDK app)
    max_runtime_s: int = 3600  # per job
    spot_training: bool = False
    raw_data_prefix: str = ""  # key prefix in the data bucket; default `<id>/raw/`
    code_package: Path = code_asset.CODE_ROOT  # the package folder shipped as the source archive

    def __post_init__(self) -> None:
        if not _SHORT_NAME.match(self.short_name):
            raise ValueError(f"{self.id}: short_name must match {_SHORT_NAME.pattern}")
        if self.raw_data_prefix and not self.raw_data_prefix.endswith("/"):
            raise ValueError(f"{self.id}: raw_data_prefix must end with '/'")
        if not self.steps or not isinstance(self.steps[0], ProcessingStep):
            raise ValueError(f"{self.id}: the first step must be the preprocessing job")
        known: dict[str, Step] = {}
        outputs = {"raw"}
        for step in self.steps:
            self._check_step(step, known, outputs)
            known[step.name] = step
            outputs.update(f"{step.name}/{o}" for o in _outputs_of(step))
        gate_step = known.get(self.gate.step)
        if isinstance(gate_step, TransformStep) or gate_step is None:
            raise ValueError(f"{self.id}: gate step {self.gate.step!r} must be a training or processing step")
        if self.gate.baseline and not isinstance(gate_step, ProcessingStep):
            raise ValueError(f"{self.id}: a gate with a baseline needs a processing step to score it")
        if isinstance(gate_step, ProcessingStep) and "evaluation" not in gate_step.outputs:
            raise ValueError(f"{self.id}: gate step {self.gate.step!r} has no `evaluation` output")
        reported = isinstance(gate_step, TrainingStep) and gate_step.algorithm.metric_definitions
        if reported and self.gate.metric not in reported:
            raise ValueError(f"{self.id}: gate metric {self.gate.metric!r} is not in the metric definitions")
        if not all(isinstance(known.get(name), TrainingStep) for name in self.endpoint.candidates):
            raise ValueError(f"{self.id}: endpoint model_step and challengers must name training steps")
        if self.endpoint.challengers and not isinstance(gate_step, ProcessingStep):
            raise ValueError(f"{self.id}: choosing among challengers needs a processing step at the gate")
        self._check_local(known, outputs)

    def _check_local(self, known: dict[str, Step], outputs: set[str]) -> None:
        sample = self.local.sample
        if sample is not None and sample.output not in outputs:
            raise ValueError(f"{self.id}: sample output {sample.output!r} is written by no step")
        quick = self.local.quick
        for name in {*quick.hyperparameters, *quick.untuned}:
            if not isinstance(known.get(name), TrainingStep):
                raise ValueError(f"{self.id}: quick settings name {name!r}, which is not a training step")
        if not (self.code_package / "__init__.py").is_file():
            raise ValueError(f"{self.id}: code_package {self.code_package} is not a Python package")
        modules = [s.module for s in self.steps if isinstance(s, ProcessingStep)]
        foreign = [m for m in modules if m.split(".")[0] != self.code_package.name]
        if foreign:
            raise ValueError(f"{self.id}: modules {foreign} are not in the package {self.code_package.name}")

    def _check_step(self, step: Step, known: dict[str, Step], outputs: set[str]) -> None:
        if not _STEP_NAME.match(step.name) or step.name in known:
            raise ValueError(f"{self.id}: step name {step.name!r} is invalid or repeated")
        if len(f"{self.short_name}-{step.name}") > 19:
            raise ValueError(f"{self.id}: job name prefix for {step.name!r} exceeds 19 characters")
        refs = {
            ProcessingStep: lambda s: list(s.inputs.values()),
            TrainingStep: lambda s: list(s.channels.values()),
            TransformStep: lambda s: [s.input],
        }[type(step)](step)
        for ref in refs:
            if ref not in outputs:
                raise ValueError(f"{self.id}: step {step.name!r} reads {ref!r}, which no earlier step writes")
        if isinstance(step, TransformStep) and not isinstance(known.get(step.model_step), TrainingStep):
            raise ValueError(f"{self.id}: transform {step.name!r} needs an earlier training step")

    @property
    def raw_prefix(self) -> str:
        return self.raw_data_prefix or f"{self.id}/raw/"

    def arguments(self, step: ProcessingStep) -> tuple[str, ...]:
        """The processing job's arguments: the step's own, and the gate's when it gates on the step."""
        return step.arguments + (self.gate.arguments() if step.name == self.gate.step else ())

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def _outputs_of(step: Step) -> tuple[str, ...]:
    if isinstance(step, ProcessingStep):
        return step.outputs
    if isinstance(step, TransformStep):
        return (step.output,)
    return ()
