"""The wire form of a webhook: the exact body bytes, their signature and the headers.

Pure functions with no Django imports, so the development receiver
(``python -m webhooks.receiver``) and any consumer can reuse them (WORKFLOWS.md 12.1).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

SIGNATURE_PREFIX = "sha256="
EVENT_HEADER = "X-Tessera-Event"
TIMESTAMP_HEADER = "X-Tessera-Timestamp"
SIGNATURE_HEADER = "X-Tessera-Signature"
# The delivery id: the same on every retry of one event, so receivers can drop duplicates.
DELIVERY_HEADER = "X-Tessera-Delivery"
ATTEMPT_HEADER = "X-Tessera-Attempt"
USER_AGENT = "Tessera-Webhooks/1"


def encode_body(envelope: Mapping[str, Any]) -> bytes:
    """Serialise an event envelope compactly (no whitespace), as the reference does."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign(body: bytes, secret: str) -> str:
    """Return ``sha256=<lower-case hex HMAC-SHA256 of body>`` keyed by ``secret`` (UTF-8)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(body: bytes, secret: str, signature: str | None) -> bool:
    """Check a ``X-Tessera-Signature`` value against the raw body, in constant time."""
    if not signature:
        return False
    return hmac.compare_digest(
        sign(body, secret).encode("ascii"), signature.strip().encode("utf-8")
    )


def timestamp_header(event_timestamp: str) -> str:
    """The header form of the body's timestamp: the same instant with a ``+00:00`` offset."""
    if event_timestamp.endswith("Z"):
        return event_timestamp[:-1] + "+00:00"
    return event_timestamp


def delivery_headers(
    *,
    event_type: str,
    event_timestamp: str,
    delivery_id: str,
    attempt: int,
    body: bytes,
    secret: str,
) -> dict[str, str]:
    """All headers of one attempt; the signature only when a secret is configured."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event_type,
        TIMESTAMP_HEADER: timestamp_header(event_timestamp),
        DELIVERY_HEADER: delivery_id,
        ATTEMPT_HEADER: str(attempt),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    return headers
