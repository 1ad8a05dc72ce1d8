"""Each cloud contract, broken the way a real defect broke it, fails a local run with a message
naming the state, the field or permission, and the AWS rule; the fixed pipelines pass
(test_pipelines_e2e.py). The runs are the real synthesized app with fast settings."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local_runtime.endpoints.store import Store
from local_runtime.errors import ContractViolation
from local_runtime.execution import DefinitionRejected
from local_runtime.pipeline import run_case
from stacks import code_asset, images
from stacks.case_parts import ImageSpec
from stacks.cases.fraud import FRAUD_DETECTION
from stacks.cases.moons import MOON_CLASSIFICATION
from stacks.cases.power import POWER_FORECASTING
from stacks.workflow import processing, training
from tests.local_runtime.e2e_app import fast, synth

pytestmark = pytest.mark.slow
FRAUD, MOONS, POWER = "fraud-detection", "moon-classification", "power-forecasting"


@pytest.fixture(scope="module")
def fraud_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(tmp_path_factory.mktemp("fraud") / "cdk.out", (fast(FRAUD_DETECTION),))


def edited(assembly: Path, tmp_path: Path, stack: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the synthesized app with one template changed, as a bad `stacks/` change would."""
    out = tmp_path / "cdk.out"
    shutil.copytree(assembly, out)
    path = out / f"{stack}.template.json"
    template = json.loads(path.read_text())
    edit(template)
    path.write_text(json.dumps(template))
    return out


def statements(template: dict[str, Any]) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    for resource in template["Resources"].values():
        document = resource.get("Properties", {}).get("PolicyDocument")
        if document:
            yield document["Statement"], resource


def test_deploying_an_encrypted_endpoint_needs_kms_create_grant(fraud_app: Path, tmp_path: Path) -> None:
    """Defect 1: without kms:CreateGrant on the key, CreateEndpoint is denied."""

    def drop_grant(template: dict[str, Any]) -> None:
        for listed, _ in statements(template):
            listed[:] = [s for s in listed if s.get("Action") != "kms:CreateGrant"]

    run = run_case(
        FRAUD,
        workdir=tmp_path / "w",
        assembly_dir=edited(fraud_app, tmp_path, "mlcases-dev-fraud-detection", drop_grant),
    )
    assert run.status == "FAILED"
    assert "state CreateEndpoint" in str(run.cause) and "kms:CreateGrant" in str(run.cause), run.cause
    assert "api-permissions-reference" in str(run.cause)
    assert run.endpoint is None


def test_a_role_without_its_raw_data_grant_fails_the_job(fraud_app: Path, tmp_path: Path) -> None:
    """Jobs read S3 as their execution role: a missing grant fails the job as AccessDenied."""

    def drop_raw_read(template: dict[str, Any]) -> None:
        for listed, _ in statements(template):
            listed[:] = [s for s in listed if "/fraud-detection/raw/*" not in json.dumps(s.get("Resource"))]

    broken = edited(fraud_app, tmp_path, "mlcases-dev-fraud-detection", drop_raw_read)
    run = run_case(FRAUD, workdir=tmp_path / "w", assembly_dir=broken)
    assert run.status == "FAILED"
    assert re.search(
        r"AccessDenied: .*sagemakerrole.* is not authorized to perform: s3:GetObject", str(run.cause)
    )


def test_alarms_that_cannot_publish_to_the_topic_stop_the_run(fraud_app: Path, tmp_path: Path) -> None:
    """Defect 5: a topic policy (enforce_ssl) that does not allow CloudWatch drops every alarm."""

    def drop_alarm_statement(template: dict[str, Any]) -> None:
        for listed, _ in statements(template):
            listed[:] = [s for s in listed if s.get("Sid") != "AllowStageAlarms"]

    with pytest.raises(
        ContractViolation,
        match=r"alarm arn:aws:cloudwatch:.*:alarm:mlcases-dev-fraud-5xx cannot "
        r"notify .*topic policy .* cloudwatch.amazonaws.com no sns:Publish",
    ):
        run_case(
            FRAUD,
            workdir=tmp_path / "w",
            assembly_dir=edited(fraud_app, tmp_path, "mlcases-dev-platform", drop_alarm_statement),
        )


def test_a_field_the_integration_does_not_accept_refuses_the_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 7: RandomSeed in the optimized tuning integration fails CreateStateMachine."""
    real = training._tuning_config

    def with_seed(tuning: Any) -> dict[str, Any]:
        return {**real(tuning), "RandomSeed": 42}

    monkeypatch.setattr(training, "_tuning_config", with_seed)
    app = synth(tmp_path / "cdk.out", (fast(FRAUD_DETECTION),))
    with pytest.raises(
        DefinitionRejected,
        match=r"state TuneLinear .* HyperParameterTuningJobConfig\.RandomSeed is "
        r"not supported .* SCHEMA_VALIDATION_FAILED",
    ):
        run_case(FRAUD, workdir=tmp_path / "w", assembly_dir=app)


def test_requests_are_held_to_the_api_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An instance type SageMaker does not have fails the call, naming the member and the enum."""
    real = processing.processing_state

    def bad_instance(ctx: Any, step: Any) -> Any:
        import dataclasses

        return real(ctx, dataclasses.replace(step, instance_type="ml.m5.tiny"))

    monkeypatch.setattr(processing, "processing_state", bad_instance)
    monkeypatch.setattr("stacks.workflow.definition.processing_state", bad_instance)
    app = synth(tmp_path / "cdk.out", (fast(FRAUD_DETECTION),))
    run = run_case(FRAUD, workdir=tmp_path / "w", assembly_dir=app)
    assert run.status == "FAILED"
    cause = str(run.cause)
    assert "Value 'ml.m5.tiny' at 'processingResources.clusterConfig.instanceType'" in cause, cause
    assert "enum value set" in cause and "state Preprocess" in cause


def test_names_built_at_run_time_fit_at_their_longest(fraud_app: Path, tmp_path: Path) -> None:
    """Execution names may have 80 characters; every S3 URI and name built from one must still fit."""
    name = "x" * 80
    run = run_case(FRAUD, workdir=tmp_path / "w", assembly_dir=fraud_app, execution_name=name)
    assert run.status == "SUCCEEDED", (run.error, run.cause)


def test_processing_code_must_run_in_the_processing_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 3: ml_code in the scikit-learn 1.2-1 image (Python 3.9, no matplotlib) fails."""
    monkeypatch.setattr(images, "PROCESSING", ImageSpec("sklearn", "1.2-1"))
    app = synth(tmp_path / "cdk.out", (fast(FRAUD_DETECTION),))
    run = run_case(FRAUD, workdir=tmp_path / "w", assembly_dir=app)
    assert run.status == "FAILED"
    cause = str(run.cause)
    assert "ImageMismatch" in cause and "sagemaker-scikit-learn:1.2-1-cpu-py3" in cause, cause
    assert "matplotlib" in cause or "Python 3.10" in cause, cause


def test_a_pytorch_model_without_its_code_cannot_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 2: the serving toolkit imports the handlers from code/ in model.tar.gz; a training
    script that does not put them there produces a model that cannot serve: the first to use it,
    the evaluation's batch transform, fails, and nothing is deployed."""
    tree = tmp_path / "src" / "ml_code"
    shutil.copytree(code_asset.CODE_ROOT, tree, ignore=shutil.ignore_patterns("__pycache__"))
    train = tree / "moon_classification" / "train.py"
    train.write_text(train.read_text().replace("imports.bundle_inference_code(", "(lambda *a: None)("))
    archive = tmp_path / "asset" / code_asset.ARCHIVE_NAME
    archive.parent.mkdir()
    archive.write_bytes(code_asset.archive_bytes(tree))
    monkeypatch.setattr(code_asset, "build", lambda code_root=None: archive)
    app = synth(tmp_path / "cdk.out", (fast(MOON_CLASSIFICATION),))
    run = run_case(MOONS, workdir=tmp_path / "w", assembly_dir=app)
    assert run.status == "FAILED" and run.error == "StepFailed", (run.error, run.cause)
    cause = str(run.cause)
    assert '"TransformJobStatus": "Failed"' in cause and "ImageMismatch" in cause, cause
    assert "no module ml_code.moon_classification.inference in the code roots" in cause, cause
    assert "opt_ml/model/code" in cause and run.endpoint is None, cause


def test_a_failed_endpoint_is_deleted_and_created_again(tmp_path: Path) -> None:
    """Defect 4: DeleteEndpoint is the only operation on a Failed endpoint; the next run recovers."""
    app = synth(tmp_path / "cdk.out", (fast(POWER_FORECASTING),))
    workdir = tmp_path / "w"
    first = run_case(POWER, workdir=workdir, assembly_dir=app)
    assert first.status == "SUCCEEDED" and first.endpoint, (first.error, first.cause)
    store = Store(workdir)
    record = store.get("endpoints", first.endpoint["name"])
    assert record is not None
    store.put(
        "endpoints", first.endpoint["name"], {**record, "EndpointStatus": "Failed", "FailureReason": "boom"}
    )
    second = run_case(POWER, workdir=workdir, assembly_dir=app)
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    visited = [s["state"] for s in second.states]
    assert (
        visited.index("DeleteFailedEndpoint")
        < visited.index("WaitForDeletion")
        < visited.index("CreateEndpoint")
    )
    assert "UpdateEndpoint" not in visited
    assert second.endpoint and second.endpoint["status"] == "InService"
