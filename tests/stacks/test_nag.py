"""cdk-nag AwsSolutions: zero unacknowledged findings, and every acknowledgement is specific."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from conftest import Synthesized


def test_no_unacknowledged_findings(synthesized: Synthesized) -> None:
    violations = [
        (v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
        for report in synthesized.validation_report["pluginReports"]
        for v in report.get("violations", [])
    ]
    assert violations == []
    assert synthesized.validation_error is None


def test_acknowledgements_name_a_finding_and_a_reason(synthesized: Synthesized) -> None:
    acknowledged: dict[tuple[str, str], str] = {}
    for metadata_file in synthesized.outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    acknowledged |= {(path, rule): reason for rule, reason in entry["data"].items()}
    assert acknowledged, "expected the reviewed IAM5 wildcards to be acknowledged"
    for (path, rule), reason in acknowledged.items():
        # Only scoped findings (one resource or action each), on a policy or the access-log bucket.
        assert rule.startswith("Annotation::AwsSolutions-"), rule
        assert rule.endswith("]") or rule.endswith("AwsSolutions-S1"), rule
        assert path.endswith("/DefaultPolicy") or path.endswith("/AccessLogs"), path
        assert len(reason) > 20
    # Nothing grants every SageMaker job or every object in a bucket.
    assert not [r for (_, r) in acknowledged if "Action::sagemaker:*" in r or r.endswith(":::*]")]


def test_nag_plugin_reports_an_unacknowledged_finding(tmp_path: Path) -> None:
    """The control for the zero-findings test: the same plugin setup does report a violation."""
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    s3.Bucket(Stack(app, "Control"), "Plain", enforce_ssl=True)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for r in report["pluginReports"] for v in r["violations"]}
    assert "AwsSolutions-S1" in rules
