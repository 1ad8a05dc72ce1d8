"""The SageMaker runtime API over HTTP on 127.0.0.1: `POST /endpoints/{name}/invocations`, `GET /ping`.

Requests and responses follow InvokeEndpoint
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html): the body
goes to the model with its Content-Type and Accept, the response names the variant that answered in
`X-Amzn-Invoked-Production-Variant`, and payloads over 6 MB are refused. Models stay loaded; the hot
path does no file I/O (see `handler`). `serve` hosts a workdir's endpoints as a process.
"""

from __future__ import annotations

import signal
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local_runtime.endpoints import sync
from local_runtime.endpoints.handler import InvocationHandler
from local_runtime.endpoints.service import EndpointService

DEFAULT_HOST = "127.0.0.1"  # local only: the endpoints have no authentication
REFRESH_SECONDS = 1.0


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
    daemon_threads = True
    request_queue_size = 128  # the default of 5 refuses connections under a burst of clients

    def __init__(self, service: EndpointService, host: str = DEFAULT_HOST, port: int = 0) -> None:
        super().__init__((host, port), InvocationHandler)
        self.service = service
        self.active = _Active()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is not news
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> EndpointServer:
        threading.Thread(target=self.serve_forever, name="endpoint-server", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()  # stop accepting connections...
        self.active.drain(timeout=30.0)  # ...and answer the requests already being served
        self.server_close()


def serve(workdir: Path, port: int, *, host: str = DEFAULT_HOST) -> None:
    """Host every endpoint recorded in `workdir` until SIGINT/SIGTERM, following later deployments."""
    service = EndpointService.load(workdir)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with EndpointServer(service, host, port) as server:
        names = ", ".join(service.endpoint_names()) or "none yet"
        print(f"serving endpoints ({names}) on {server.url}", flush=True)
        while not stop.wait(REFRESH_SECONDS):
            for change in sync.refresh(service):
                print(change, flush=True)
    service.close()  # after the server stopped accepting: in-flight requests are answered first
    print("stopped", file=sys.stderr, flush=True)
