"""The HTTP front end of the endpoint controller: the SageMaker runtime API on 127.0.0.1,
`POST /endpoints/{name}/invocations` and `GET /ping`, and `serve`, which hosts a workdir's endpoints as
a process.

Requests and responses follow InvokeEndpoint
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html): the body
goes to the model with its Content-Type and Accept, the response names the variant that answered in
`X-Amzn-Invoked-Production-Variant`, and payloads over 6 MB are refused. The hot path parses headers,
reads the body and calls the loaded model: no file I/O, no logging. Every error is answered as JSON
`{"ErrorCode", "Message"}`; none ends the server.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local_runtime.endpoints import host
from local_runtime.endpoints.controller import EndpointController, EndpointNotFound
from local_runtime.endpoints.endpoint import MAX_PAYLOAD_BYTES
from local_runtime.errors import SageMakerError


class HostRunning(RuntimeError):
    """A live `serve` already hosts the workdir."""


DEFAULT_HOST = "127.0.0.1"  # local only: the endpoints have no authentication
REFRESH_SECONDS = 1.0
TARGET_VARIANT = "X-Amzn-SageMaker-Target-Variant"
TARGET_VARIANT_UNSUPPORTED = (
    f"local endpoints do not route by {TARGET_VARIANT}: the pipelines' endpoints have one production "
    "variant (AllTraffic), so send the request without the header"
)

MAX_CONNECTIONS = 256  # threads answering connections at once; beyond them, 503
READ_TIMEOUT_SECONDS = 10.0  # a connection silent this long (mid-request or idle) is closed
_BUSY_BODY = json.dumps(
    {"ErrorCode": "ServiceUnavailable", "Message": "too many open connections: retry later"}
).encode()
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
    + f"Content-Length: {len(_BUSY_BODY)}\r\n\r\n".encode()
    + _BUSY_BODY
)

_INVOCATIONS = re.compile(r"^/endpoints/([A-Za-z0-9](?:-*[A-Za-z0-9])*)/invocations$")
DISCARD_LIMIT = 64 * 1024 * 1024


def _error(code: str, message: str) -> bytes:
    return json.dumps({"ErrorCode": code, "Message": message}).encode()


class InvocationHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: EndpointServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # every read: headers, body, keep-alive

    def log_message(self, format: str, *args: Any) -> None:  # no per-request logging on the hot path
        return

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json", variant: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if variant:
            self.send_header("X-Amzn-Invoked-Production-Variant", variant)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _discard(self, length: int) -> None:
        """Read an oversized body without keeping it, so the client can read the 413 (closing a socket
        with unread input resets it); beyond DISCARD_LIMIT, drop the connection instead."""
        if length > DISCARD_LIMIT:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)

    def do_GET(self) -> None:
        if self.path == "/ping":
            self._send(200, json.dumps({"endpoints": self.server.controller.endpoint_names()}).encode())
        else:
            self._send(404, _error("UnknownOperationException", f"no route GET {self.path}"))

    def do_POST(self) -> None:
        match = _INVOCATIONS.match(self.path)
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self.close_connection = True
            return self._send(411, _error("ValidationError", "Content-Length is required"))
        length = int(length_header)
        if length > MAX_PAYLOAD_BYTES:
            self._discard(length)
            return self._send(
                413, _error("ValidationError", f"Request body exceeds {MAX_PAYLOAD_BYTES} bytes")
            )
        body = self.rfile.read(length)
        if self.path.startswith(host.CONTROL_PATH):  # a run deploying through this host
            status, answer = host.answer(self.server.controller, self.path[len(host.CONTROL_PATH) :], body)
            return self._send(status, answer.encode())
        if match is None:
            return self._send(404, _error("UnknownOperationException", f"no route POST {self.path}"))
        with self.server.active:
            self._invoke(match.group(1), body)

    def _invoke(self, endpoint: str, body: bytes) -> None:
        if TARGET_VARIANT in self.headers:
            return self._send(400, _error("ValidationError", TARGET_VARIANT_UNSUPPORTED))
        try:
            result = self.server.controller.invoke_routed(
                endpoint,
                body,
                self.headers.get("Content-Type", "application/octet-stream"),
                self.headers.get("Accept", ""),
            )
        except EndpointNotFound as exc:
            return self._send(404, _error(exc.code, exc.message))
        except SageMakerError as exc:
            return self._send(400, _error(exc.code, exc.message))
        except Exception as exc:  # a bug here must cost one request, never the connection's thread
            return self._send(500, _error("InternalFailure", f"{type(exc).__name__}: {exc}"))
        self._send(result.status, result.body, result.content_type, result.variant)


class _Active:
    """Counts invocations being answered, so shutdown can wait for them (handler threads are daemons:
    an idle keep-alive connection must not hold the process open)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._idle:
            self._count -= 1
            if self._count == 0:
                self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


class EndpointServer(ThreadingHTTPServer):
    """One thread per connection, at most `max_connections` at once: a connection beyond them is
    answered 503 at once, without a thread. A connection that sends nothing (a request's headers,
    its body, or the next request on a kept-alive connection) for `read_timeout` seconds is closed,
    so clients that stall cannot hold threads."""

    daemon_threads = True
    request_queue_size = 128  # the default of 5 refuses connections under a burst of clients

    def __init__(
        self,
        controller: EndpointController,
        address: str = DEFAULT_HOST,
        port: int = 0,
        *,
        max_connections: int = MAX_CONNECTIONS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__((address, port), InvocationHandler)
        self.controller = controller
        self.active = _Active()
        self.read_timeout, self.max_connections = read_timeout, max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self.refused = 0  # connections answered 503

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused += 1
            with contextlib.suppress(OSError):  # the client may be gone already
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is not news
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        return f"http://{address!s}:{port}"

    def __enter__(self) -> EndpointServer:
        threading.Thread(target=self.serve_forever, name="endpoint-server", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()  # stop accepting connections...
        self.active.drain(timeout=30.0)  # ...and answer the requests already being served
        self.server_close()


def serve(workdir: Path, port: int, *, host_address: str = DEFAULT_HOST) -> None:
    """Host every endpoint recorded in `workdir` until SIGINT/SIGTERM: the deployments of runs made
    meanwhile happen here (see `host`), and records changed otherwise are followed.

    A damaged state file is named (path and problem) and skipped; the other endpoints keep serving."""
    running = host.find(workdir)
    if running is not None:
        raise HostRunning(f"another `serve` already hosts {workdir} at {running}: one host per workdir")
    controller = EndpointController.load(workdir)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with EndpointServer(controller, host_address, port) as server:
        names = ", ".join(controller.endpoint_names()) or "none yet"
        advertised = host.advertise(workdir, server.url)  # runs now deploy through this host
        print(f"serving endpoints ({names}) on {server.url}", flush=True)
        while True:
            try:
                changes = controller.refresh()
            except Exception as exc:  # the host outlives a bad refresh: the next one may succeed
                changes = [f"could not read {workdir / 'endpoints'}: {type(exc).__name__}: {exc}"]
            for change in changes:
                print(change, flush=True)
            if stop.wait(REFRESH_SECONDS):
                break
        host.withdraw(advertised)
    controller.close()  # after the server stopped accepting: in-flight requests are answered first
    print("stopped", file=sys.stderr, flush=True)
