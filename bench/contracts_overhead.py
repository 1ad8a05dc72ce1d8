"""What the cloud contracts cost: `run all` wall time of this checkout against a baseline revision
without them, run alternately (baseline, current, baseline, ...) so that load on the machine falls
on both alike. Target: at most 10% more.

`python -m bench.contracts_overhead [--baseline REV] [--repeat N]` checks the baseline out in a git
worktree, runs `python -m bench.pipelines` there and here with this venv, and writes
bench/results/contracts_overhead.json and .md (bench/results/pipelines.* then hold the last current run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.ml_quality import publish

REPO = Path(__file__).resolve().parents[1]
BASELINE = "bdbc39f"  # main before the contracts (issue 10)


def _run_all(checkout: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-contracts-") as workdir:
        subprocess.run(
            [sys.executable, "-m", "bench.pipelines", "--workdir", workdir], cwd=checkout, check=True
        )
    return dict(json.loads((checkout / "bench" / "results" / "pipelines.json").read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=BASELINE, help="revision without the contracts")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, alternating")
    args = parser.parse_args(argv)
    runs: dict[str, list[float]] = {"baseline": [], "current": []}
    per_case: dict[str, list[dict[str, object]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        baseline = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(baseline), args.baseline], cwd=REPO, check=True
        )
        try:
            for _ in range(args.repeat):
                for label, checkout in (("baseline", baseline), ("current", REPO)):
                    result = _run_all(checkout)
                    runs[label].append(float(result["total_seconds"]))  # type: ignore[arg-type]
                    per_case[label].append(result["cases"])  # type: ignore[arg-type]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=REPO, check=True)
    base, current = statistics.median(runs["baseline"]), statistics.median(runs["current"])
    growth = current / base - 1
    lines = [
        f"run all, median of {args.repeat} alternating runs: baseline ({args.baseline}) {base:.1f} s, "
        f"with the contracts {current:.1f} s: {growth:+.1%} (target <= +10%)",
        "",
        "| run | baseline s | with contracts s |",
        "| --- | --- | --- |",
        *(
            f"| {i + 1} | {b:.1f} | {c:.1f} |"
            for i, (b, c) in enumerate(zip(runs["baseline"], runs["current"], strict=True))
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    publish(
        "contracts_overhead",
        text,
        {"baseline": args.baseline, "runs": runs, "growth": growth, "cases": per_case},
    )
    return 0 if growth <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
