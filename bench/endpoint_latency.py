"""Local endpoint latency and throughput for the moons model, before and during a canary shift.

`python -m bench.endpoint_latency [--workdir DIR]`: deploys the moons pipeline in the workdir if it
has no endpoint yet, hosts it over HTTP on 127.0.0.1, and drives it from a separate client process
(bench/load_client.py) at 500 requests/s: first steady, then while a blue/green update bakes its
canary (half the fleet on the new config). Writes bench/results/endpoint_latency.json and .md.
Target: p99 under 10 ms at 500 requests/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.ml_quality import ROOT, publish
from local_runtime.cases import stack_id
from local_runtime.endpoints.controller import EndpointController
from local_runtime.endpoints.frontend import EndpointServer
from local_runtime.endpoints.template_alarms import alarms_from_template
from local_runtime.pipeline import load_assembly, run_case
from stacks.cases.moons import MOON_CLASSIFICATION

CASE = MOON_CLASSIFICATION
BAKE_SECONDS = 30


def _load(url: str, rate: float, seconds: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.load_client", url, f"--rate={rate}", f"--seconds={seconds}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout))


def _start_canary(service: EndpointController, endpoint: str) -> str:
    """A blue/green update to a new config of the same model, baking a 1-of-2 canary."""
    live = service.describe_endpoint({"EndpointName": endpoint})["EndpointConfigName"]
    config = service.describe_endpoint_config({"EndpointConfigName": live})
    new = f"bench-ec-{int(time.time())}"
    service.create_endpoint_config(
        {"EndpointConfigName": new, "ProductionVariants": config["ProductionVariants"]}
    )
    routing = {"Type": "CANARY", "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1}}
    policy = {
        "TrafficRoutingConfiguration": {**routing, "WaitIntervalInSeconds": BAKE_SECONDS},
        "TerminationWaitInSeconds": 0,
        "MaximumExecutionTimeoutInSeconds": 600,
    }
    service.update_endpoint(
        {
            "EndpointName": endpoint,
            "EndpointConfigName": new,
            "DeploymentConfig": {"BlueGreenUpdatePolicy": policy},
        }
    )
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        workdir = (args.workdir or Path(tmp)).resolve()
        assembly, resolver = load_assembly(workdir)
        endpoint = str(assembly.outputs(stack_id(CASE), resolver)["EndpointName"])
        if not (workdir / "endpoints" / "endpoints" / f"{endpoint}.json").exists():
            run = run_case(CASE, workdir=workdir)
            if run.status != "SUCCEEDED":
                raise SystemExit(f"could not deploy {CASE.id}: {run.error} {run.cause}")
        alarms = alarms_from_template(assembly.templates[stack_id(CASE)])
        service = EndpointController.load(workdir, alarms=alarms)
        with EndpointServer(service) as server:
            url = f"{server.url}/endpoints/{endpoint}/invocations"
            _load(url, 50, 2)  # warm-up
            before = _load(url, args.rate, args.seconds)
            _start_canary(service, endpoint)
            time.sleep(2)  # the new fleet loads, then the canary takes its share
            status = service.describe_endpoint({"EndpointName": endpoint})["EndpointStatus"]
            during = {**_load(url, args.rate, args.seconds), "endpoint_status": status}
        service.close()
    results = {"rate_target_rps": args.rate, "before": before, "during_canary": during}
    lines = [
        "| phase | requests | errors | throughput (req/s) | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for phase, r in (("steady", before), ("during canary", during)):
        cells = (phase, r["requests"], r["errors"], r["throughput_rps"], r["p50_ms"], r["p99_ms"])
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    text = f"{CASE.short_name} endpoint, {args.rate:.0f} req/s target"
    text += ", 4 keep-alive clients in a separate process\n\n"
    text += "\n".join(lines) + "\n"
    print(text)
    publish("endpoint_latency", text, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
