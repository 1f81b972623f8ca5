"""The witness's HTTP interface: ``POST /add-checkpoint`` on a standard-library threaded server.

Keep-alive (HTTP/1.1) as the specification recommends; the body must carry a
Content-Length of at most 1 MiB. Each request goes to :meth:`Witness.add_checkpoint`, whose
state lock makes concurrent requests take turns.
"""

from __future__ import annotations

import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ledger.witness.protocol import ADD_CHECKPOINT_PATH, MAX_BODY_BYTES, TEXT_CONTENT_TYPE
from ledger.witness.witness import Witness, WitnessResponse


class WitnessServer(ThreadingHTTPServer):
    """A threaded HTTP server that answers for one :class:`Witness`."""

    daemon_threads = True

    def __init__(self, witness: Witness, host: str = "127.0.0.1", port: int = 0) -> None:
        self.witness = witness
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """``http://host:port``, with the port the system chose when asked for port 0."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WitnessServer

    def do_POST(self) -> None:
        if urlsplit(self.path).path != ADD_CHECKPOINT_PATH:
            self._send(_plain(HTTPStatus.NOT_FOUND, f"no such endpoint {self.path}"))
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True  # the body, if any, was not read
            self._send(_plain(HTTPStatus.LENGTH_REQUIRED, "a Content-Length is required"))
            return
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(_plain(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large"))
            return
        body = self.rfile.read(int(length))
        self._send(self.server.witness.add_checkpoint(body))

    def do_GET(self) -> None:
        if urlsplit(self.path).path == ADD_CHECKPOINT_PATH:
            response = _plain(HTTPStatus.METHOD_NOT_ALLOWED, "add-checkpoint takes POST")
        else:
            response = _plain(HTTPStatus.NOT_FOUND, f"no such endpoint {self.path}")
        self._send(response)

    def _send(self, response: WitnessResponse) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if response.status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "POST")
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """One line per request on stderr (the operator's log)."""
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)


def _plain(status: HTTPStatus, message: str) -> WitnessResponse:
    return WitnessResponse(status, f"{message}\n".encode(), TEXT_CONTENT_TYPE)
