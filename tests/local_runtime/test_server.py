"""The runtime HTTP server: InvokeEndpoint's shape, 4xx answers that leave it running, its speed, and
`serve` as a process that stops cleanly on SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_runtime.endpoints.frontend import EndpointServer
from tests.local_runtime.test_endpoints_support import (
    add_config,
    create_in_service,
    moons_rows,
    new_controller,
)

ROOT = Path(__file__).resolve().parents[2]
ROWS = moons_rows(3)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EndpointServer]:
    service = new_controller(tmp_path_factory.mktemp("server"))
    create_in_service(service, "moons", add_config(service, "v1", w=[2.0, -1.0, 0.5]))
    create_in_service(service, "crashing", add_config(service, "v0", mode="fail"))
    with EndpointServer(service) as running:
        yield running


def _connect(server: EndpointServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)


def _post(server: EndpointServer, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, dict]:
    connection = _connect(server)
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), json.loads(payload)


CSV = {"Content-Type": "text/csv", "Accept": "application/json"}


def test_invocation_returns_the_prediction_and_the_variant(server: EndpointServer) -> None:
    status, headers, body = _post(server, "/endpoints/moons/invocations", "\n".join(ROWS).encode(), CSV)
    assert status == 200
    assert headers["X-Amzn-Invoked-Production-Variant"] == "AllTraffic"
    assert headers["Content-Type"] == "application/json"
    expected = [2 * float(r.split(",")[0]) - float(r.split(",")[1]) + 0.5 for r in ROWS]
    assert body == {"version": "v1", "scores": pytest.approx(expected)}


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "message"),
    [
        ("/endpoints/moons/invocations", b"", CSV, 400, "request body is empty"),
        (
            "/endpoints/moons/invocations",
            b"1.0,2.0,3.0",
            CSV,
            400,
            "row 1: expected 2 columns (x1,x2), got 3",
        ),
        ("/endpoints/moons/invocations", f"{ROWS[0]}\nabc,1".encode(), CSV, 400, "row 2: non-numeric value"),
        (
            "/endpoints/moons/invocations",
            ROWS[0].encode(),
            {"Content-Type": "application/x-npy"},
            415,
            "unsupported content type 'application/x-npy'",
        ),
        (
            "/endpoints/moons/invocations",
            ROWS[0].encode(),
            {**CSV, "Accept": "text/html"},
            406,
            "unsupported accept 'text/html'",
        ),
        ("/endpoints/moons/invocations", b"0" * (6 * 1024 * 1024 + 1), CSV, 413, "exceeds 6291456 bytes"),
        (
            "/endpoints/nope/invocations",
            ROWS[0].encode(),
            CSV,
            404,
            "Endpoint nope of account 000000000000 not found",
        ),
        ("/endpoints/moons/predict", ROWS[0].encode(), CSV, 404, "no route POST /endpoints/moons/predict"),
        ("/endpoints/crashing/invocations", ROWS[0].encode(), CSV, 500, "RuntimeError: weights are corrupt"),
        (
            "/endpoints/moons/invocations",
            ROWS[0].encode(),
            {**CSV, "X-Amzn-SageMaker-Target-Variant": "Blue"},
            400,
            "local endpoints do not route by X-Amzn-SageMaker-Target-Variant",
        ),
    ],
)
def test_bad_requests_get_a_json_error_and_the_server_stays_up(
    server: EndpointServer, path: str, body: bytes, headers: dict, status: int, message: str
) -> None:
    got, _, error = _post(server, path, body, headers)
    assert got == status
    assert message in error["Message"]
    assert _post(server, "/endpoints/moons/invocations", ROWS[0].encode(), CSV)[0] == 200


def test_ping(server: EndpointServer) -> None:
    connection = _connect(server)
    connection.request("GET", "/ping")
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (200, {"endpoints": ["crashing", "moons"]})


def test_answers_every_request_of_paced_concurrent_clients(server: EndpointServer) -> None:
    """4 keep-alive clients pace 1,000 requests at 500/s in total; every one must succeed. Latency
    figures live in bench/endpoint_latency.py, not in an assertion that a busy machine can break."""
    latencies: list[float] = []
    failures: list[int] = []

    def client(offset: float) -> None:
        connection = _connect(server)
        start = time.perf_counter() + offset
        for i in range(250):
            time.sleep(max(0.0, start + i / 125 - time.perf_counter()))  # 125/s per client
            sent = time.perf_counter()
            connection.request("POST", "/endpoints/moons/invocations", body=ROWS[i % 3].encode(), headers=CSV)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - sent)
            if response.status != 200:
                failures.append(response.status)

    threads = [threading.Thread(target=client, args=(k / 500,)) for k in range(4)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    print(f"1000 requests in {time.perf_counter() - began:.2f} s, p50 {latencies[500] * 1e3:.2f} ms")
    assert failures == [] and len(latencies) == 1000


def test_serve_hosts_the_workdir_and_stops_on_sigterm(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    create_in_service(service, "moons", add_config(service, "v1", w=[1.0, 0.0, 0.0]))
    service.close()
    code = (
        "import sys; from pathlib import Path; from local_runtime.endpoints.frontend import serve; "
        "serve(Path(sys.argv[1]), 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("serving endpoints (moons) on http://127.0.0.1:"), line
        host, port = line.rsplit("//", 1)[1].strip().split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/endpoints/moons/invocations", body=ROWS[0].encode(), headers=CSV)
        assert json.loads(connection.getresponse().read())["version"] == "v1"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in (proc.stderr.read() if proc.stderr else "")
    finally:
        proc.kill()


def test_stalled_connections_are_closed_and_a_flood_is_answered_503(tmp_path: Path) -> None:
    service = new_controller(tmp_path)
    create_in_service(service, "moons", add_config(service, "v1", w=[2.0, -1.0, 0.5]))
    with EndpointServer(service, max_connections=8, read_timeout=0.5) as server:
        stalled = []
        for _ in range(8):  # each sends half a request and stops: every thread is taken
            sock = socket.create_connection(("127.0.0.1", server.server_port), timeout=10)
            sock.sendall(b"POST /endpoints/moons/invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
            stalled.append(sock)
        extra = _connect(server)
        extra.request("GET", "/ping")
        busy = extra.getresponse()
        assert busy.status == 503 and json.loads(busy.read())["ErrorCode"] == "ServiceUnavailable"
        for sock in stalled:  # the server closes each after its read timeout
            assert sock.recv(1024) == b""
            sock.close()
        assert server.refused >= 1
        status, _, body = _post(server, "/endpoints/moons/invocations", ROWS[0].encode(), CSV)
        assert status == 200 and body["version"] == "v1"  # the slots are free again
    service.close()
