"""cfn-lint: no errors in any template (warnings are reported, not failed)."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import lint
from conftest import TEST_REGION, Synthesized
from helpers import all_stacks

STACKS = all_stacks()


@pytest.mark.parametrize("stack", STACKS)
def test_no_cfn_lint_errors(synthesized: Synthesized, stack: str) -> None:
    matches = lint(json.dumps(synthesized.templates[stack]), regions=[TEST_REGION])
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_cfn_lint_reports_a_broken_template(synthesized: Synthesized) -> None:
    template = json.loads(json.dumps(synthesized.templates["mlcases-dev-platform"]))
    key = next(r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key")
    key["Properties"]["EnableKeyRotation"] = "sometimes"
    assert [m for m in lint(json.dumps(template), regions=[TEST_REGION]) if m.rule.id.startswith("E")]
