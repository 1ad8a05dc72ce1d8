"""The local endpoint host under sustained load with data capture on, and after a connection flood.

`python -m bench.endpoint_faults [--rate 1000] [--seconds 20] [--flood 2000]`: deploys the moons
pipeline in a temporary workdir (its endpoint config captures 100% of requests, as the stack's
does), hosts it over HTTP on 127.0.0.1 and

1. drives it from a separate client process (bench/load_client.py) at `--rate` requests/s for
   `--seconds`: throughput, errors, p50/p99, and the capture bytes written per 10,000 requests;
2. opens `--flood` connections that each send half a request and stall, measures `/ping` while
   they are open (connections beyond the limit are answered 503 at once), closes them all at once,
   and measures how long until `/ping` answers within 50 ms again.

Writes bench/results/endpoint_faults.json and .md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import socket
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
from local_runtime.pipeline import load_assembly, run_case
from stacks.cases.moons import MOON_CLASSIFICATION

CASE = MOON_CLASSIFICATION
HEALTHY_PING_MS = 50.0


def _ping_ms(port: int, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", "/ping")
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        return float("inf")  # refused (503): not healthy yet
    return (time.perf_counter() - started) * 1e3


def _capture_bytes(workdir: Path) -> int:
    return sum(p.stat().st_size for p in (workdir / "s3").glob("*/datacapture/**/*.jsonl"))


def _sustained(url: str, rate: float, seconds: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.load_client", url, f"--rate={rate}", f"--seconds={seconds}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout))


def _flood(port: int, count: int) -> dict[str, Any]:
    sockets, refused = [], 0
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /endpoints/x/invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
        sockets.append(sock)
    time.sleep(0.5)  # let the server accept them all
    during = [_ping_ms(port) for _ in range(5)]
    for sock in sockets:
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # nothing sent back: a thread holds it
            refused += sock.recv(64).startswith(b"HTTP/1.1 503")
    closed_at = time.perf_counter()
    for sock in sockets:
        sock.close()
    while _ping_ms(port) > HEALTHY_PING_MS:
        time.sleep(0.01)
    recovered = time.perf_counter() - closed_at
    return {
        "connections": count,
        "answered_503": refused,
        "ping_ms_while_open": [round(v, 2) if v != float("inf") else "503" for v in during],
        "recovery_seconds": round(recovered, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--flood", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        workdir = Path(tmp)
        run = run_case(CASE, workdir=workdir)
        if run.status != "SUCCEEDED":
            raise SystemExit(f"could not deploy {CASE.id}: {run.error} {run.cause}")
        assembly, resolver = load_assembly(workdir)
        endpoint = str(assembly.outputs(stack_id(CASE), resolver)["EndpointName"])
        controller = EndpointController.load(workdir)
        with EndpointServer(controller) as server:
            before = _capture_bytes(workdir)
            load = _sustained(f"{server.url}/endpoints/{endpoint}/invocations", args.rate, args.seconds)
            for fleet in controller.endpoint(endpoint).fleets:
                fleet.flush_capture()
            captured = _capture_bytes(workdir) - before
            flood = _flood(server.server_port, args.flood)
        controller.close()
    per_10k = captured / max(load["requests"], 1) * 10_000
    sustained = {**load, "capture_bytes": captured, "capture_mb_per_10k_requests": round(per_10k / 1e6, 2)}
    results = {"sustained": sustained, "flood": flood}
    lines = [
        f"sustained: {load['requests']} requests in {args.seconds:.0f} s at a {args.rate:.0f}/s target: "
        f"{load['throughput_rps']} req/s, {load['errors']} errors, "
        f"p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms; "
        f"capture {captured / 1e6:.1f} MB written, {per_10k / 1e6:.2f} MB per 10k requests",
        f"flood: {flood['connections']} stalled connections ({flood['answered_503']} answered 503 at once); "
        f"/ping while open: {flood['ping_ms_while_open']} ms; healthy (< {HEALTHY_PING_MS:.0f} ms) "
        f"{flood['recovery_seconds']} s after closing them all",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    publish("endpoint_faults", text, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
