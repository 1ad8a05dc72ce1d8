"""Wall time of `python -m local_runtime invoke <case>` as a user runs it: a fresh process that loads
the case's endpoint, sends the sample request and prints the answer, per endpoint kind.

`python -m bench.cli_invoke [--workdir DIR] [--repeats N] [--checkout DIR]`: runs each case whose
endpoint the workdir lacks (the configured pipelines, what `make run` deploys; default workdir: a
fresh temporary folder), then times N invocations per case. `--checkout` times another checkout's
command line on the same workdir (e.g. an older commit, for a before/after). Writes
bench/results/cli_invoke.json and .md. Target: under 1.5 s per call for a small endpoint.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.ml_quality import ROOT, publish
from local_runtime import cases
from local_runtime.cases import CASE_IDS
from local_runtime.console import endpoint_record
from local_runtime.endpoints.store import Store
from local_runtime.pipeline import run_case

TARGET_SECONDS = 1.5


def _model_image(workdir: Path, case: str) -> str | None:
    """The endpoint kind: the image repository of the case's live model (`kmeans`, `pytorch-inference`)."""
    record = endpoint_record(cases.find(case), workdir)
    if record is None:
        return None
    store = Store(workdir)
    config = store.all("configs").get(record["EndpointConfigName"]) or {}
    variants = config.get("ProductionVariants") or [{}]
    model = store.all("models").get(variants[0].get("ModelName", "")) or {}
    image = str((model.get("PrimaryContainer") or {}).get("Image", "?"))
    return image.rsplit("/", 1)[-1].split(":")[0]


def _time_invoke(checkout: Path, workdir: Path, case: str, repeats: int) -> dict[str, Any]:
    seconds, failures = [], []
    cmd = [sys.executable, "-m", "local_runtime", "invoke", case, "--workdir", str(workdir)]
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=checkout, capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            failures.append(
                done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(done.returncode)
            )
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "spread_s": round(max(seconds) - min(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=None, help="a workdir (none: a fresh temporary one)")
    parser.add_argument("--repeats", type=int, default=7, help="invocations timed per case")
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the checkout whose command line is timed"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-cli-invoke-") as tmp:
        workdir = (args.workdir or Path(tmp)).resolve()
        results: dict[str, dict[str, Any]] = {}
        for case in CASE_IDS:
            if _model_image(workdir, case) is None:
                run = run_case(case, workdir=workdir)
                print(f"{case}: deployed by a run ({run.status}, {run.duration_s:.0f} s)", flush=True)
            kind = _model_image(workdir, case)
            if kind is None:
                results[case] = {"kind": None, "error": "no endpoint deployed"}
                continue
            results[case] = {
                "kind": kind,
                **_time_invoke(args.checkout.resolve(), workdir, case, args.repeats),
            }
            print(f"{case} ({kind}): median {results[case]['median_s']} s", flush=True)
    lines = [
        f"`python -m local_runtime invoke <case>`, {args.repeats} fresh processes per case "
        f"(target < {TARGET_SECONDS} s for a small endpoint)",
        "",
        "| case | endpoint kind | median s | min s | max s | failures |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for case, r in results.items():
        if r.get("kind") is None:
            lines.append(f"| {case} | - | - | - | - | {r['error']} |")
            continue
        lines.append(
            f"| {case} | {r['kind']} | {r['median_s']} | {r['min_s']} | {r['max_s']} | {len(r['failures'])} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    publish("cli_invoke", text, {"repeats": args.repeats, "target_seconds": TARGET_SECONDS, "cases": results})
    return 0 if all(r.get("kind") and not r["failures"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
