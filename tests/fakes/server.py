"""What both loopback stand-ins share: a threaded HTTP server on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``predicate`` every 20 ms; raise AssertionError if it stays false."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            name = getattr(predicate, "__name__", repr(predicate))
            raise AssertionError(f"condition {name} still false after {timeout:.1f}s")
        time.sleep(0.02)


class Server(ThreadingHTTPServer):
    """Threaded HTTP server with a deep accept queue, pointing back at its fake."""

    daemon_threads = True
    request_queue_size = 1024
    fake: Any


class LoopbackServer:
    """Serves a request handler on 127.0.0.1 at a free port, in a daemon thread."""

    thread_name = "fake-server"

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._handler = handler
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start serving (once)."""
        if self._server is not None:
            return
        server = Server(("127.0.0.1", 0), self._handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        """Start on entering a with block."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a with block."""
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._server.server_address[1])

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Poll ``predicate`` until true or raise AssertionError."""
        wait_for(predicate, timeout)
