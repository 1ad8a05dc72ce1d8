"""State order and integrations of each case study's state machine (resolved ASL)."""

from __future__ import annotations

import pytest
from conftest import Synthesized
from helpers import stack_of, success_path

from stacks.case_parts import ProcessingStep, TrainingStep
from stacks.case_study import CaseStudy
from stacks.cases import ALL
from stacks.workflow.context import title

GATE_EVALUATION = ["ReadEvaluation", "MetricReported", "PickMetric", "MeetsThreshold"]
GATE_TRAINING = ["ReadMetric", "FindMetric", "MetricReported", "PickMetric", "MeetsThreshold"]
TAIL = [
    "ReadDeploymentRecord",
    "BetterThanDeployed",
    "QualityGatePassed",
    "Use<model>",
    "CreateEndpointConfig",
    "NameRelease",
    "FindEndpoint",
    "EndpointUsable",
    "UpdateEndpoint",
    "WaitForEndpoint",
    "DescribeEndpoint",
    "EndpointStatus",
    "IsNewConfigLive",
    "NewConfigLive",
    "BuildDeploymentRecord",
    "WriteDeploymentRecord",
    "Deployed",
]


def expected_order(case: CaseStudy) -> list[str]:
    """The happy path a case's steps call for, by the naming rules of the states (one rule per step
    kind), so a new case needs no entry here: the test checks the synthesized graph follows them."""
    order: list[str] = []
    for step in case.steps:
        if isinstance(step, TrainingStep):
            order += (
                [title(step.name, "Tune"), title(step.name, "DescribeBest")]
                if step.tuning
                else [title(step.name, "Train")]
            )
            order.append(title(step.name, "CreateModel"))
        else:
            order.append(title(step.name))
    gate_step = case.step(case.gate.step)
    order += GATE_EVALUATION if isinstance(gate_step, ProcessingStep) else GATE_TRAINING
    return order + (["BeatsBaseline"] if case.gate.baseline else [])


EXPECTED = {stack_of(case.id): expected_order(case) for case in ALL}

INTEGRATIONS = {  # state name prefix -> integration
    "Preprocess": "sagemaker:createProcessingJob.sync",
    "Evaluate": "sagemaker:createProcessingJob.sync",
    "Select": "sagemaker:createProcessingJob.sync",
    "Train": "sagemaker:createTrainingJob.sync",
    "Tune": "sagemaker:createHyperParameterTuningJob.sync",
    "DescribeBest": "aws-sdk:sagemaker:describeTrainingJob",
    "Project": "sagemaker:createTransformJob.sync",
    "Assign": "sagemaker:createTransformJob.sync",
    "Score": "sagemaker:createTransformJob.sync",
    "ScoreXgboost": "sagemaker:createTransformJob.sync",
    "ScoreLinear": "sagemaker:createTransformJob.sync",
    "Forecast": "sagemaker:createTransformJob.sync",
    "CreateModel": "sagemaker:createModel",
    "CreateEndpointConfig": "aws-sdk:sagemaker:createEndpointConfig",  # DataCaptureConfig: not optimized
    "DeleteFailedEndpoint": "aws-sdk:sagemaker:deleteEndpoint",
    "DescribeDeletion": "aws-sdk:sagemaker:describeEndpoint",
    "FindEndpoint": "aws-sdk:sagemaker:describeEndpoint",
    "DescribeEndpoint": "aws-sdk:sagemaker:describeEndpoint",
    "CreateEndpoint": "aws-sdk:sagemaker:createEndpoint",
    "UpdateEndpoint": "aws-sdk:sagemaker:updateEndpoint",
    "ReadEvaluation": "aws-sdk:s3:getObject",
    "ReadDeploymentRecord": "aws-sdk:s3:getObject",
    "WriteDeploymentRecord": "aws-sdk:s3:putObject",
    "NotifyFailure": "sns:publish",
}
NAMED_BY = {  # integrations that create a SageMaker resource -> the parameter naming it
    "sagemaker:createProcessingJob.sync": "ProcessingJobName.$",
    "sagemaker:createTrainingJob.sync": "TrainingJobName.$",
    "sagemaker:createHyperParameterTuningJob.sync": "HyperParameterTuningJobName.$",
    "sagemaker:createTransformJob.sync": "TransformJobName.$",
    "sagemaker:createModel": "ModelName.$",
    "aws-sdk:sagemaker:createEndpointConfig": "EndpointConfigName.$",
}


def integration(name: str) -> str:
    """The expected integration of a state, by the longest matching name prefix."""
    prefix = max((p for p in INTEGRATIONS if name.startswith(p)), key=len)
    return INTEGRATIONS[prefix]


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_state_order(synthesized: Synthesized, stack: str) -> None:
    case = next(c for c in ALL if stack_of(c.id) == stack)
    use = [title(case.endpoint.model_step, "Use")]
    if case.endpoint.challengers:  # the evaluation's choice, then the model it names
        use = ["ChooseModel", "ChosenModel", *use]
    tail = [t for s in TAIL for t in (use if s == "Use<model>" else [s])]
    assert success_path(synthesized.definition(stack)) == ["Start", "ResolveConfig", *EXPECTED[stack], *tail]


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_integrations(synthesized: Synthesized, stack: str) -> None:
    tasks = {n: s for n, s in synthesized.definition(stack)["States"].items() if s["Type"] == "Task"}
    assert len(tasks) >= 11
    for name, state in tasks.items():
        assert state["Resource"] == f"arn:aws:states:::{integration(name)}", name


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_every_task_fails_through_notification(synthesized: Synthesized, stack: str) -> None:
    states = synthesized.definition(stack)["States"]
    for name, state in states.items():
        if state["Type"] != "Task" or name == "NotifyFailure":
            continue
        last = state["Catch"][-1]
        assert last == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "NotifyFailure"}, (
            name
        )
        assert state["Retry"] and all(r["BackoffRate"] == 2 for r in state["Retry"]), name
    assert states["NotifyFailure"]["Next"] == "ReservedErrorName"
    assert states["PipelineFailed"] == {
        "Type": "Fail",
        "ErrorPath": "$.failure.Error",
        "CausePath": "$.failure.Cause",
    }


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_every_result_is_placed_explicitly(synthesized: Synthesized, stack: str) -> None:
    for name, state in synthesized.definition(stack)["States"].items():
        if state["Type"] in ("Task", "Pass"):
            assert "ResultPath" in state, name


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_names_are_unique_per_attempt(synthesized: Synthesized, stack: str) -> None:
    """Retries and redrives re-evaluate Parameters: a fresh UUID segment per attempt, under 32 chars."""
    creators = 0
    for name, state in synthesized.definition(stack)["States"].items():
        key = NAMED_BY.get(state.get("Resource", "").removeprefix("arn:aws:states:::"))
        if key is None:
            continue
        creators += 1
        value = state["Parameters"][key]
        assert value.endswith("States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"), name
        prefix = value.split("'")[1].removesuffix("-{}")
        assert len(prefix) + 13 <= 32 and prefix.islower(), name  # tuning job names: at most 32
    assert creators >= 4  # preprocess, train or tune, model, endpoint config
