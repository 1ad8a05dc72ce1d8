"""One snapshot per stack: a tripwire for unintended template changes (asset hashes masked, so an
ml_code edit alone does not trip it). Update with `pytest tests/stacks --snapshot-update`."""

from __future__ import annotations

import json
import re

import pytest
from conftest import Synthesized
from helpers import all_stacks

STACKS = all_stacks()
_HASH = re.compile(r"[0-9a-f]{64}")


def masked(template: dict) -> str:
    return _HASH.sub("<asset-hash>", json.dumps(template, indent=1, sort_keys=True))


@pytest.mark.parametrize("stack", STACKS)
def test_template_snapshot(synthesized: Synthesized, stack: str, snapshot) -> None:  # type: ignore[no-untyped-def]
    assert masked(synthesized.templates[stack]) == snapshot


def test_masking_only_hides_hashes() -> None:
    assert masked({"S3Uri": "s3://b/" + "ab" * 32 + ".gz", "k": 8}) == masked(
        {"S3Uri": "s3://b/" + "cd" * 32 + ".gz", "k": 8}
    )
    assert masked({"k": 8}) != masked({"k": 7})
