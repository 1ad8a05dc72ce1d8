"""Wall time of the four local pipelines end to end, per case and per state, with the configured
hyperparameters (what `make run` does).

`python -m bench.pipelines [--workdir DIR]` writes bench/results/pipelines.json and pipelines.md.
Target: all four cases in under 5 minutes on 2 cores. The first case includes the one-off synth.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.ml_quality import publish
from local_runtime.cases import CASE_IDS
from local_runtime.pipeline import run_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a fresh temporary folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pipelines-") as tmp:
        workdir = args.workdir or Path(tmp)
        results: dict[str, dict[str, Any]] = {}
        started = time.perf_counter()
        for case in CASE_IDS:
            case_start = time.perf_counter()
            run = run_case(case, workdir=workdir)
            per_state: dict[str, float] = defaultdict(float)
            for state in run.states:
                per_state[state["state"]] += state["seconds"] or 0.0
            slowest = dict(sorted(per_state.items(), key=lambda kv: -kv[1])[:6])
            results[case] = {
                "status": run.status,
                "error": run.error,
                "wall_seconds": round(time.perf_counter() - case_start, 1),
                "execution_seconds": run.duration_s,
                "slowest_states_seconds": {k: round(v, 1) for k, v in slowest.items()},
                "metrics": run.metrics,
            }
        total = round(time.perf_counter() - started, 1)
    lines = [f"run all: {total} s (target < 300 s)", "", "| case | status | wall s | slowest states (s) |"]
    lines.append("| --- | --- | --- | --- |")
    for case, r in results.items():
        states = ", ".join(f"{k} {v}" for k, v in r["slowest_states_seconds"].items())
        lines.append(f"| {case} | {r['status']} | {r['wall_seconds']} | {states} |")
    text = "\n".join(lines) + "\n"
    print(text)
    publish("pipelines", text, {"total_seconds": total, "cases": results})
    return 0 if all(r["status"] == "SUCCEEDED" for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
