"""The moto version local_runtime's Step Functions hooks are written against.

The adapter reaches into moto's ASL interpreter (task factory, task classes, JSONPath helper),
whose layout changes between releases; any other version is refused with the command that fixes it.
"""

from __future__ import annotations

from importlib.metadata import version

SUPPORTED_MOTO = "5.2.5"


def check_moto_version() -> None:
    found = version("moto")
    if found != SUPPORTED_MOTO:
        raise RuntimeError(
            f"local_runtime hooks into moto {SUPPORTED_MOTO}'s Step Functions interpreter, but moto "
            f"{found} is installed; run: pip install 'moto[stepfunctions]=={SUPPORTED_MOTO}'"
        )
