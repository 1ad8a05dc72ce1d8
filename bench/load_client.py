"""A paced HTTP load generator for one endpoint, run in its own process so the server's GIL is not
shared with the client. Prints one JSON object: requests, errors, throughput, p50/p99 latency (ms).

`python -m bench.load_client URL --rate 500 --seconds 10 --threads 4 --body 0.5,0.25`
Loopback only; the request loop is bounded by --seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def _worker(
    url: str, body: bytes, interval: float, until: float, out: list[float], errors: list[str]
) -> None:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load a non-loopback host: {parts.hostname}")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "text/csv", "Accept": "application/json"}
    next_at = time.perf_counter()
    while next_at < until:
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent = time.perf_counter()
        try:
            conn.request("POST", parts.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(str(response.status))
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        out.append((time.perf_counter() - sent) * 1000)
        next_at += interval
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--body", default="0.5,0.25")
    args = parser.parse_args(argv)
    latencies: list[float] = []
    errors: list[str] = []
    until = time.perf_counter() + args.seconds
    interval = args.threads / args.rate
    threads = [
        threading.Thread(
            target=_worker, args=(args.url, args.body.encode(), interval, until, latencies, errors)
        )
        for _ in range(args.threads)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(json.dumps({
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(q[49], 3),
        "p99_ms": round(q[98], 3),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
