"""The HTTP handler of the runtime server: InvokeEndpoint's request and response shapes
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html).

The hot path parses headers, reads the body and calls the loaded model: no file I/O, no logging.
Every error is answered as JSON `{"ErrorCode", "Message"}`; none ends the server.
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from local_runtime.endpoints.runtime import MAX_PAYLOAD_BYTES, EndpointNotFound
from local_runtime.errors import SageMakerError

if TYPE_CHECKING:
    from local_runtime.endpoints.server import EndpointServer

_INVOCATIONS = re.compile(r"^/endpoints/([A-Za-z0-9](?:-*[A-Za-z0-9])*)/invocations$")
DISCARD_LIMIT = 64 * 1024 * 1024


def _error(code: str, message: str) -> bytes:
    return json.dumps({"ErrorCode": code, "Message": message}).encode()


class InvocationHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: EndpointServer

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
            self._send(200, json.dumps({"endpoints": self.server.service.endpoint_names()}).encode())
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
        if match is None:
            return self._send(404, _error("UnknownOperationException", f"no route POST {self.path}"))
        with self.server.active:
            self._invoke(match.group(1), body)

    def _invoke(self, endpoint: str, body: bytes) -> None:
        try:
            result = self.server.service.invoke_routed(
                endpoint,
                body,
                self.headers.get("Content-Type", "application/octet-stream"),
                self.headers.get("Accept", ""),
                self.headers.get("X-Amzn-SageMaker-Target-Variant"),
            )
        except EndpointNotFound as exc:
            return self._send(404, _error(exc.code, exc.message))
        except SageMakerError as exc:
            return self._send(400, _error(exc.code, exc.message))
        except Exception as exc:  # a bug here must cost one request, never the connection's thread
            return self._send(500, _error("InternalFailure", f"{type(exc).__name__}: {exc}"))
        self._send(result.status, result.body, result.content_type, result.variant)
