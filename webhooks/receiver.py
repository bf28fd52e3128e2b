"""A webhook receiver for development: ``python -m webhooks.receiver`` (port 5555).

It accepts ``POST`` on any path, verifies ``X-Tessera-Signature`` when ``WEBHOOK_SECRET``
is set (401 if it does not match), logs one line per event to stdout, and answers
``GET /health``. ``GET /events`` lists the last events received, newest last.
docker-compose's ``webhook-receiver`` service runs it; point Tessera at it with
``WEBHOOK_URL=http://127.0.0.1:5555/webhook`` (or ``http://webhook-receiver:5555/webhook``).

Standard library only, no Django: it can run anywhere the source tree is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from webhooks.signing import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

DEFAULT_PORT = 5555
KEPT_EVENTS = 200
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass
class ReceivedEvent:
    """One POST as it arrived: raw body bytes, headers, and the verdict on its signature."""

    path: str
    headers: dict[str, str]
    body: bytes
    signature: (
        str  # "valid", "invalid", "missing" or "not checked" (no secret configured)
    )
    received_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_dict(self) -> dict[str, Any]:
        try:
            payload: Any = json.loads(self.body)
        except ValueError:
            payload = self.body.decode("utf-8", errors="replace")
        return {
            "path": self.path,
            "event": self.headers.get(EVENT_HEADER),
            "delivery": self.headers.get(DELIVERY_HEADER),
            "attempt": self.headers.get(ATTEMPT_HEADER),
            "timestamp": self.headers.get(TIMESTAMP_HEADER),
            "signature": self.signature,
            "received_at": self.received_at,
            "body": payload,
        }


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        secret: str = "",
        fail_first: int = 0,
        quiet: bool = False,
    ) -> None:
        super().__init__(address, ReceiverHandler)
        self.secret = secret
        self.fail_first = fail_first
        self.quiet = quiet
        self.events: deque[ReceivedEvent] = deque(maxlen=KEPT_EVENTS)
        self.attempts_by_delivery: Counter[str] = Counter()
        self.lock = threading.Lock()

    def log(self, line: str) -> None:
        if not self.quiet:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


class ReceiverHandler(BaseHTTPRequestHandler):
    server: ReceiverServer
    server_version = "TesseraWebhookReceiver/1"

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/health":
            self._answer(200, {"status": "ok"})
        elif self.path.split("?", 1)[0] == "/events":
            with self.server.lock:
                events = [event.as_dict() for event in self.server.events]
            self._answer(200, {"events": events})
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._answer(413, {"error": "body too large"})
            return
        body = self.rfile.read(length)
        headers = {key: value for key, value in self.headers.items()}
        secret = self.server.secret
        signature = self.headers.get(SIGNATURE_HEADER)
        if not secret:
            verdict = "not checked"
        elif not signature:
            verdict = "missing"
        else:
            verdict = "valid" if verify(body, secret, signature) else "invalid"
        event = ReceivedEvent(self.path, headers, body, verdict)
        delivery = headers.get(DELIVERY_HEADER, "-")
        with self.server.lock:
            self.server.events.append(event)
            self.server.attempts_by_delivery[delivery] += 1
            seen = self.server.attempts_by_delivery[delivery]
        summary = (
            f"event={headers.get(EVENT_HEADER, '-')} delivery={delivery} "
            f"attempt={headers.get(ATTEMPT_HEADER, '-')} signature={verdict}"
        )
        if verdict in ("invalid", "missing"):
            self.server.log(f"REJECTED {summary}")
            self._answer(401, {"error": f"signature {verdict}"})
            return
        if seen <= self.server.fail_first:
            self.server.log(f"FAILING (--fail-first) {summary}")
            self._answer(503, {"error": "failing on purpose (--fail-first)"})
            return
        duplicate = " duplicate" if seen > self.server.fail_first + 1 else ""
        self.server.log(
            f"RECEIVED{duplicate} {summary} body={body.decode('utf-8', errors='replace')}"
        )
        self._answer(200, {"received": True})

    def log_message(self, format: str, *args: Any) -> None:
        # One line per event is logged by do_POST; skip the access log.
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m webhooks.receiver", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default=os.environ.get("RECEIVER_HOST", "0.0.0.0"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("RECEIVER_PORT", DEFAULT_PORT))
    )
    parser.add_argument(
        "--secret",
        default=os.environ.get("WEBHOOK_SECRET", ""),
        help="Verify signatures with this secret (default: $WEBHOOK_SECRET; empty: accept unsigned)",
    )
    parser.add_argument(
        "--fail-first",
        type=int,
        default=0,
        metavar="N",
        help="Answer 503 to the first N attempts of each delivery (to watch retries and failures)",
    )
    options = parser.parse_args(argv)
    server = ReceiverServer(
        (options.host, options.port),
        secret=options.secret,
        fail_first=options.fail_first,
    )
    checking = (
        "verifying signatures"
        if options.secret
        else "NOT verifying signatures (no WEBHOOK_SECRET)"
    )
    server.log(
        f"Webhook receiver on http://{options.host}:{server.server_port}, {checking}"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
