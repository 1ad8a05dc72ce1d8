"""Time to build each case's HTML report (collect + render + atomic write) from a real local run.

Each case runs once as `make run` runs it (the deployed configuration); the report's inputs are
captured as `run_case` hands them over, then the report is built `--repeats` times from them.
`python -m bench.report_build [--repeats N] [--workdir DIR]` writes bench/results/report_build.json
and report_build.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from bench.ml_quality import publish
from local_runtime import report
from local_runtime.cases import CASE_IDS
from local_runtime.pipeline import run_case


def captured_run(case: str, workdir: Path) -> tuple[report.Sources, Path]:
    """Run the case; what its report was built from, and where the report is."""
    seen: list[report.Sources] = []
    collect = report.collect

    def capture(sources: report.Sources) -> report.ReportData:
        seen.append(sources)
        return collect(sources)

    with mock.patch.object(report, "collect", capture):
        run = run_case(case, workdir=workdir)
    print(f"{case}: {run.status} in {run.duration_s:.0f} s", flush=True)
    return seen[-1], Path(str(run.report))


def measure(sources: report.Sources, out: Path, repeats: int) -> dict[str, Any]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        data = report.collect(sources)
        report.write(data, out)
        times.append(1000 * (time.perf_counter() - start))
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "sd_ms": round(statistics.stdev(times), 1) if repeats > 1 else None,
        "repeats": repeats,
        "html_kb": round(out.stat().st_size / 1024, 1),
        "states_visited": len({s.name for s in data.spans}),
        "states_drawn": len(data.graph.nodes) if data.graph else 0,
        "plots": len(data.plots),
        "tuning_trials": sum(len(t.trials) for t in data.tuning),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a fresh temporary folder")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        workdir = args.workdir or Path(tmp)
        for case in CASE_IDS:
            sources, page = captured_run(case, workdir)
            results[case] = measure(sources, page.with_name(f"bench-{page.name}"), args.repeats)
    lines = ["| case | median ms | min-max ms | HTML KB | states drawn | plots | trials |"]
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for case, r in results.items():
        lines.append(
            f"| {case} | {r['median_ms']} | {r['min_ms']}-{r['max_ms']} | {r['html_kb']} | "
            f"{r['states_drawn']} | {r['plots']} | {r['tuning_trials']} |"
        )
    head = f"report build (collect + render + write), {args.repeats} repeats per case\n\n"
    text = head + "\n".join(lines) + "\n"
    print(text)
    publish("report_build", text, {"repeats": args.repeats, "cases": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
