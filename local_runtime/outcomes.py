"""State failures the state machines expect and handle, said in the user's terms.

A first deployment finds no endpoint and no deployment record: `FindEndpoint` and
`ReadDeploymentRecord` raise, and their Catch takes the create path. The event history records
those as failed tasks, as the Step Functions console does; progress lines, the timeline and the
report show them as the outcome they are, not as failures.
"""

from __future__ import annotations

from dataclasses import dataclass

_NOT_FOUND = ("SageMaker.ValidationException", "SageMaker.ResourceNotFoundException")


@dataclass(frozen=True)
class ExpectedFailure:
    state: str
    errors: tuple[str, ...]  # the error names as Step Functions reports them
    cause_contains: str  # what the cause must say (empty: any cause)
    meaning: str


EXPECTED = (
    ExpectedFailure(
        "FindEndpoint",
        _NOT_FOUND,
        "Could not find endpoint",
        "no endpoint yet: the first deployment creates it",
    ),
    ExpectedFailure(
        "ReadDeploymentRecord",
        ("S3.NoSuchKeyException",),
        "",
        "no deployment record yet: no live model to compare with",
    ),
    ExpectedFailure(
        "DescribeDeletion",
        _NOT_FOUND,
        "Could not find endpoint",
        "the failed endpoint is deleted: creating it again",
    ),
)


def expected(state: str, error: str | None, cause: str | None) -> str | None:
    """What a failure of `state` with `error` means when the state machine expects it, else None.

    `cause=None` means the cause is not known (a progress event carries only the error name): the
    state and the error decide, as the state's Catch does."""
    for known in EXPECTED:
        if known.state != state or error not in known.errors:
            continue
        if cause is None or known.cause_contains in cause:
            return known.meaning
    return None


def said(state: str, meaning: str) -> str:
    """How the command line shows an expected outcome: `FindEndpoint: no endpoint yet: ...`."""
    return f"{state}: {meaning}"
