"""Real HTTP servers for the proxy tests: the sandbox on a free port (stoppable and restartable
on the same port), a socket that accepts and never answers, and a scripted stub core."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LiveServer:
    """A WSGI app behind werkzeug's threaded server, in a thread. ``stop`` really stops it: it
    lets requests in flight finish, then cuts idle keep-alive connections too."""

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.port = 0
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: list[socket.socket] = []
        self._inflight = 0
        self._idle = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _counting(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._idle:
            self._inflight += 1
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()

    def idle(self) -> bool:
        """No request is being answered right now."""
        with self._idle:
            return self._inflight == 0

    def start(self) -> LiveServer:
        server = make_server(self.host, self.port, self._counting, threaded=True)
        self.port = server.server_port
        accept = server.get_request

        def get_request() -> tuple[socket.socket, Any]:
            conn, address = accept()
            self._connections.append(conn)
            return conn, address

        server.get_request = get_request  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self, wait: float = 5.0) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self._idle:
            self._idle.wait_for(lambda: self._inflight == 0, timeout=wait)
        for conn in self._connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._connections.clear()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join(timeout=wait)
        self._server = None


class SilentSocket:
    """Accepts connections and never answers: the core that hangs."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self._held:
            conn.close()
        self._listener.close()


class StubCore:
    """A scripted core: answers each request with the next (status, body) of ``script``, or
    ``fallback`` once it runs out, and records every request it got."""

    def __init__(self) -> None:
        self.script: list[tuple[int, Any]] = []
        self.fallback: tuple[int, Any] = (503, {"error": {"code": "unavailable", "message": ""}})
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with stub._lock:
                    stub.requests.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                        }
                    )
                    status, payload = stub.script.pop(0) if stub.script else stub.fallback
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if method in (None, r["method"]))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)


def free_port() -> int:
    """A port nothing listens on (the core that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
