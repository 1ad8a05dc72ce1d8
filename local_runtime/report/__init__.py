"""The per-execution HTML report: one self-contained page with the failure reason first, the state
machine drawn with the path taken, the quality gate, the tuning trials, the deployment, the
timeline and the plots.

`collect(Sources(...))` gathers a finished execution into a `ReportData`; `write` renders it from
the Jinja2 templates in `templates/` and replaces the page atomically.
"""

from local_runtime.report.collect import Sources, collect, collect_plots
from local_runtime.report.model import Deployment, Phase, Plot, ReportData, Trial, Tuning
from local_runtime.report.page import render, write

__all__ = [
    "Deployment",
    "Phase",
    "Plot",
    "ReportData",
    "Sources",
    "Trial",
    "Tuning",
    "collect",
    "collect_plots",
    "render",
    "write",
]
