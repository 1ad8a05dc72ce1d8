"""The case studies local mode knows: the CDK app's own objects (`stacks.cases.ALL`), nothing else.
(The case objects are plain data: importing them does not load the CDK.)

Every per-case list the runtime needs (ids, stack names, data files, sample requests, key metrics)
is derived from these objects, so a new case is its object, its code and its data.
"""

from __future__ import annotations

from stacks import config
from stacks.case_study import CaseStudy
from stacks.cases import ALL

CASE_IDS = tuple(case.id for case in ALL)
LOCAL_STAGE = "dev"  # the stage cdk.json's context synthesizes


class UnknownCase(LookupError):
    pass


def find(case: CaseStudy | str) -> CaseStudy:
    """The case object for an id (as typed on the command line), or the object itself."""
    if isinstance(case, CaseStudy):
        return case
    for known in ALL:
        if known.id == case:
            return known
    raise UnknownCase(f"unknown case study {case!r}; known: {', '.join(CASE_IDS)}")


def stack_id(case: CaseStudy, stage: str = LOCAL_STAGE) -> str:
    """The pipeline stack's id (its artifact id in the cloud assembly, also its stack name)."""
    return config.stack_name(config.prefix(stage), case.id)
