"""Model quality of what the pipelines deploy, on the bundled real data, beside the seed's figures.

`python -m bench.ml_quality [--only fraud,moons] [--repeats 3]` runs each case's local pipeline
(`local_runtime.pipeline.run_case`: the configuration of its `CaseStudy`, no settings of its own)
`--repeats` times, each in a fresh workdir (a first deployment, gated on the threshold only), and
reports the candidate's key metrics as the run measured them: mean and standard deviation over the
runs, each run's value, the baselines its evaluation scored on the same data (`baseline:<model>:
<metric>`), and how many runs deployed. Training is not seeded (SageMaker's tuning
integration takes no RandomSeed), so the spread is the one a user sees from run to run. Writes
bench/results/ml_quality.json and ml_quality.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_runtime.assembly import synthesize
from local_runtime.pipeline import BASELINE, run_case
from ml_code.common.io import write_text
from stacks.case_study import CaseStudy
from stacks.cases import ALL

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def publish(name: str, text: str, results: object) -> None:
    """Write a bench's table and figures: `bench/results/<name>.md` and `<name>.json`."""
    write_text(RESULTS / f"{name}.md", text)
    write_text(RESULTS / f"{name}.json", json.dumps(results, indent=2) + "\n")


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "mean": round(statistics.fmean(values), 4),
        "sd": round(statistics.stdev(values), 4) if len(values) > 1 else None,
        "runs": [round(v, 4) for v in values],
    }


def measure(case: CaseStudy, repeats: int, assembly: Path, work: Path) -> dict[str, Any]:
    """Run the case's pipeline `repeats` times; its key metrics over the runs, and each run's outcome."""
    runs = []
    for index in range(1, repeats + 1):
        run = run_case(case, workdir=work / f"{case.short_name}-{index}", assembly_dir=assembly)
        shown = ", ".join(f"{m} {run.metrics[m]:.4f}" for m in case.local.key_metrics if m in run.metrics)
        print(f"{case.id} run {index}/{repeats}: {run.status} in {run.duration_s:.0f} s; {shown}", flush=True)
        training = sum(
            st["seconds"] or 0 for st in run.states if str(st["state"]).startswith(("Train", "Tune"))
        )
        evaluations = sorted((work / f"{case.short_name}-{index}").rglob("evaluation/evaluation.json"))
        chosen = json.loads(evaluations[-1].read_text()).get("chosen") if evaluations else None
        runs.append(
            {"status": run.status, "error": run.error, "cause": run.cause, "seconds": run.duration_s,
             "training_s": round(training, 1), "chosen": chosen, "metrics": run.metrics}
        )  # fmt: skip
    metrics = {
        name: _summary([r["metrics"][name] for r in runs if name in r["metrics"]])
        for name in case.local.key_metrics
        if any(name in r["metrics"] for r in runs)
    }
    for name, summary in metrics.items():  # the baselines each evaluation scored on the same data
        baseline_keys = sorted(
            {k for r in runs for k in r["metrics"] if k.startswith(f"{BASELINE}:") and k.endswith(f":{name}")}
        )
        summary["baselines"] = {
            key.split(":")[1]: _summary([r["metrics"][key] for r in runs if key in r["metrics"]])
            for key in baseline_keys
        }
    return {
        "deployed_runs": sum(r["status"] == "SUCCEEDED" for r in runs),
        "runs": len(runs),
        "seconds_per_run": round(statistics.fmean(r["seconds"] for r in runs), 1),
        "training_s_per_run": round(statistics.fmean(r["training_s"] for r in runs), 1),
        "metrics": metrics,
        "seed": dict(case.local.seed_figures),
        "outcomes": [
            {k: r[k] for k in ("status", "error", "cause", "seconds", "training_s", "chosen")} for r in runs
        ],
    }


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| case | metric | seed | deployed: mean ± sd | per run | baselines (mean) | runs deployed |"
        " training s/run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case_id, r in results.items():
        for name, m in r["metrics"].items():
            seed = r["seed"].get(name)
            spread = f" ± {m['sd']:.4f}" if m["sd"] is not None else ""
            cells = (
                case_id,
                name,
                "" if seed is None else f"{seed:g}",
                f"{m['mean']:.4f}{spread}",
                " / ".join(f"{v:.4f}" for v in m["runs"]),
                ", ".join(f"{model} {b['mean']:.4f}" for model, b in m["baselines"].items()),
                f"{r['deployed_runs']} of {r['runs']}",
                f"{r['training_s_per_run']:.0f}",
            )
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = ",".join(case.short_name for case in ALL)
    parser.add_argument("--only", default=names, help=f"comma-separated short names (default: {names})")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (default: 3)")
    args = parser.parse_args(argv)
    by_name = {case.short_name: case for case in ALL}
    unknown = [name for name in args.only.split(",") if name not in by_name]
    if unknown or args.repeats < 1:
        parser.error(f"unknown case(s) {unknown} (known: {names})" if unknown else "--repeats must be >= 1")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        assembly = synthesize(Path(tmp) / "cdk.out")
        results = {
            by_name[name].id: measure(by_name[name], args.repeats, assembly, Path(tmp))
            for name in args.only.split(",")
        }
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}: {args.repeats} fresh local run(s) "
        f"per case in {time.perf_counter() - started:.0f} s"
    )
    chosen = [
        f"- {case_id}: chose {', '.join(str(o['chosen']) for o in r['outcomes'])}"
        for case_id, r in results.items()
        if any(o["chosen"] for o in r["outcomes"])
    ]
    failed = [
        f"- {case_id}: {o['error']}: {o['cause']}"
        for case_id, r in results.items()
        for o in r["outcomes"]
        if o["error"]
    ]
    text = header + "\n\n" + "\n".join([*table(results), "", *chosen, *failed]) + "\n"
    print(text)
    publish("ml_quality", text, {"measured": header, "cases": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
