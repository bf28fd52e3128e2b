"""One HTTP attempt of a webhook, and the backoff between attempts.

No ORM here: ``post_webhook`` takes bytes and headers and reports what happened, so
it can be tested against a real local server. Deliberate choices:

* Standard library ``http.client``: it never follows redirects, so a 3xx is simply a
  failed attempt (WORKFLOWS.md 12.3), and it ignores proxy environment variables.
* The host is resolved and checked by the SSRF guard (``webhooks.egress``); the socket
  then connects to one of the checked addresses while TLS and ``Host`` still use the
  name, so a second DNS answer cannot point the request elsewhere (DNS rebinding).
* ``timeout`` bounds the whole attempt, not each socket call: a watchdog shuts the
  socket down at the deadline, so a receiver that trickles bytes cannot hold a worker
  past the lease (see ``webhooks.services.claim_delivery``).
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webhooks.egress import DestinationRefusedError, Resolver, resolve_destination

# WORKFLOWS.md 12.4: last_error keeps the first 500 characters.
MAX_ERROR_LENGTH = 500
# Enough of an error body for last_error; the rest is not read.
MAX_RESPONSE_BYTES = 4096
# No single wait between attempts exceeds an hour, whatever WEBHOOK_BACKOFF_SECONDS says.
MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class AttemptResult:
    """What one POST achieved. ``permanent`` failures are not worth retrying."""

    succeeded: bool
    status_code: int | None = None
    error: str | None = None
    permanent: bool = False


def backoff_seconds(
    attempt: int, base: float, *, rand: Callable[[], float] = random.random
) -> float:
    """Wait after failed attempt number ``attempt`` (1-based): base·2^(attempt-1) plus jitter.

    The jitter (up to half the exponential delay) spreads the retries of many deliveries
    that failed together, so a receiver coming back is not hit by all of them at once.
    """
    exponential = min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS)
    return exponential + exponential * 0.5 * rand()


def truncate_error(text: str) -> str:
    return text[:MAX_ERROR_LENGTH]


class _PinnedMixin:
    """Connect to pre-checked addresses instead of resolving the host name again."""

    pinned_addresses: tuple[str, ...] = ()

    def _pinned_create_connection(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        last_error: OSError | None = None
        for ip in self.pinned_addresses:
            try:
                return socket.create_connection(
                    (ip, address[1]), timeout, source_address
                )
            except OSError as exc:
                last_error = exc
        raise last_error or OSError("no address to connect to")


class PinnedHTTPConnection(_PinnedMixin, http.client.HTTPConnection):
    def __init__(
        self, host: str, port: int, *, addresses: Iterable[str], timeout: float
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_addresses = tuple(addresses)
        self._create_connection = self._pinned_create_connection  # type: ignore[method-assign]


class PinnedHTTPSConnection(_PinnedMixin, http.client.HTTPSConnection):
    """TLS to a checked address, with SNI and certificate checks against the host name."""

    def __init__(
        self, host: str, port: int, *, addresses: Iterable[str], timeout: float
    ) -> None:
        super().__init__(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
        self.pinned_addresses = tuple(addresses)
        self._create_connection = self._pinned_create_connection  # type: ignore[method-assign]


class _Watchdog:
    """Shut the connection's socket down when the attempt's deadline passes."""

    def __init__(self, connection: http.client.HTTPConnection, timeout: float) -> None:
        self.connection = connection
        self.fired = False
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


def _describe_status(response: http.client.HTTPResponse, content: bytes) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    if text:
        return text
    description = f"HTTP {response.status} {response.reason}".strip()
    if 300 <= response.status < 400:
        location = response.getheader("Location")
        description += " (redirects are not followed"
        description += f"; Location: {location})" if location else ")"
    return description


def post_webhook(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    allowed_hosts: Iterable[str],
    allow_loopback: bool,
    resolver: Resolver = socket.getaddrinfo,
) -> AttemptResult:
    """POST ``body`` to ``url`` once; success is a 2xx answer within ``timeout`` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return AttemptResult(
            False, error=truncate_error(f"Invalid webhook URL: {url}"), permanent=True
        )
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return AttemptResult(
            False,
            error=truncate_error(f"Invalid port in webhook URL: {url}"),
            permanent=True,
        )
    try:
        addresses = resolve_destination(
            host,
            port,
            allowed_hosts=allowed_hosts,
            allow_loopback=allow_loopback,
            resolver=resolver,
        )
    except DestinationRefusedError as exc:
        return AttemptResult(False, error=truncate_error(str(exc)), permanent=True)
    except (OSError, UnicodeError) as exc:
        return AttemptResult(
            False, error=truncate_error(f"Cannot resolve {host}: {exc}")
        )

    connection_class = (
        PinnedHTTPSConnection if parts.scheme == "https" else PinnedHTTPConnection
    )
    connection = connection_class(host, port, addresses=addresses, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    watchdog = _Watchdog(connection, timeout)
    try:
        with watchdog:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            content = response.read(MAX_RESPONSE_BYTES)
    except TimeoutError:
        return AttemptResult(False, error=f"Timed out after {timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if watchdog.fired:
            return AttemptResult(False, error=f"Timed out after {timeout:g} s")
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return AttemptResult(False, error=truncate_error(message))
    finally:
        connection.close()
    if watchdog.fired:
        # The deadline cut the answer short; what was parsed of it cannot be trusted.
        return AttemptResult(False, error=f"Timed out after {timeout:g} s")
    if 200 <= response.status < 300:
        return AttemptResult(True, status_code=response.status)
    return AttemptResult(
        False,
        status_code=response.status,
        error=truncate_error(_describe_status(response, content)),
    )
