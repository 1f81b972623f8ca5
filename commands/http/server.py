"""Running the API on uvicorn: in the foreground (``bidledger serve``) or on a thread.

The listening socket is bound before uvicorn starts, so port 0 becomes a real port that
can be printed; ``listening on http://HOST:PORT`` is printed once uvicorn has started.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType

import uvicorn
from fastapi import FastAPI

from ledger.errors import InvalidInput

START_TIMEOUT = 30.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(app: FastAPI) -> uvicorn.Server:
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30)
    return uvicorn.Server(config)


def serve_forever(app: FastAPI, sock: socket.socket, ready: Callable[[str], None]) -> None:
    """Serve ``app`` on ``sock`` in this thread until SIGINT or SIGTERM; ``ready(url)`` once up."""
    server = _server(app)
    url = url_of(sock)
    watcher = threading.Thread(target=_announce, args=(server, url, ready), daemon=True)
    watcher.start()
    previous = signal.signal(signal.SIGTERM, _interrupt)  # uvicorn raises it again once stopped
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _announce(server: uvicorn.Server, url: str, ready: Callable[[str], None]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and time.monotonic() < deadline and not server.should_exit:
        time.sleep(0.01)
    if server.started:
        ready(url)


class BackgroundServer:
    """``app`` served by uvicorn on a thread of this process (tests, benchmarks)."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = bind(host, port)
        self.url = url_of(self._socket)
        self._server = _server(app)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the server at {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
