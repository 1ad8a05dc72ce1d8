"""Every case study the app deploys; add a fifth by adding its object to ALL."""

from __future__ import annotations

from stacks.case_study import CaseStudy
from stacks.cases.fraud import FRAUD_DETECTION
from stacks.cases.moons import MOON_CLASSIFICATION
from stacks.cases.population import POPULATION_SEGMENTATION
from stacks.cases.power import POWER_FORECASTING

ALL: tuple[CaseStudy, ...] = (
    POPULATION_SEGMENTATION,
    FRAUD_DETECTION,
    MOON_CLASSIFICATION,
    POWER_FORECASTING,
)
