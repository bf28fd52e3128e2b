"""Real HTTP receivers for the webhook tests: ``http.server`` on 127.0.0.1, ephemeral port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str | None:
        lowered = {key.lower(): value for key, value in self.headers.items()}
        return lowered.get(name.lower())


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)


# Given the 1-based number of the request and the request, return the reply; may block.
Script = Callable[[int, Received], Reply]


class ScriptedReceiver:
    """A local webhook receiver whose answers come from a ``script``.

    Use as a context manager; ``url`` is where it listens. ``release`` unblocks handlers
    that wait on it (see ``block_first``) so the server can always shut down.
    """

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or (lambda number, request: Reply())
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                with receiver.lock:
                    receiver.requests.append(request)
                    number = len(receiver.requests)
                receiver.arrived.set()
                reply = receiver.script(number, request)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeout test, killed worker)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def __enter__(self) -> ScriptedReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def by_delivery(self) -> dict[str, list[Received]]:
        grouped: dict[str, list[Received]] = {}
        for request in list(self.requests):
            grouped.setdefault(request.header("X-Tessera-Delivery") or "", []).append(
                request
            )
        return grouped


def fail_first(times: int, status: int = 503) -> Script:
    def script(number: int, request: Received) -> Reply:
        if number <= times:
            return Reply(status, b"temporarily unavailable")
        return Reply()

    return script


def always(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> Script:
    return lambda number, request: Reply(status, body, dict(headers or {}))
