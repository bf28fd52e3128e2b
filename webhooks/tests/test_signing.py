"""The wire form of a webhook: body bytes, HMAC signature, headers (WORKFLOWS.md 12.1)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from webhooks import signing

ENVELOPE = {
    "event": "proposal.created",
    "timestamp": "2026-01-02T03:04:05.123456Z",
    "payload": {
        "proposal_id": "5d2b6c0e-2a57-4d41-8d1c-2b5d7f0f3b1e",
        "name": "Zürich",
        "n": [1, 2],
    },
}


def test_the_body_is_compact_json_in_envelope_order():
    body = signing.encode_body(ENVELOPE)

    assert body.startswith(b'{"event":"proposal.created","timestamp":')
    assert b" " not in body.replace(b"Z\xc3\xbcrich", b"")
    assert json.loads(body) == ENVELOPE


def test_non_ascii_text_is_sent_as_utf8():
    assert "Zürich".encode() in signing.encode_body(ENVELOPE)


def test_the_signature_is_the_hex_hmac_sha256_of_the_exact_body():
    body = signing.encode_body(ENVELOPE)
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()

    assert signing.sign(body, "s3cret") == f"sha256={expected}"


def test_the_secret_is_encoded_as_utf8():
    expected = hmac.new("clé".encode(), b"{}", hashlib.sha256).hexdigest()

    assert signing.sign(b"{}", "clé") == f"sha256={expected}"


@pytest.mark.parametrize(
    ("body", "secret", "signature", "valid"),
    [
        (b"{}", "s", signing.sign(b"{}", "s"), True),
        (
            b"{}",
            "s",
            signing.sign(b"{}", "s").upper().replace("SHA256=", "sha256="),
            False,
        ),
        (b"{} ", "s", signing.sign(b"{}", "s"), False),
        (b"{}", "other", signing.sign(b"{}", "s"), False),
        (b"{}", "s", None, False),
        (b"{}", "s", "", False),
        (b"{}", "s", "sha256=", False),
        (b"{}", "s", "sha1=abc", False),
        (b"{}", "s", "sha256=ü", False),
    ],
)
def test_verification_accepts_only_the_signature_of_these_bytes(
    body, secret, signature, valid
):
    assert signing.verify(body, secret, signature) is valid


@pytest.mark.parametrize(
    ("body_timestamp", "header"),
    [
        ("2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123456+00:00"),
        ("2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05+00:00"),
    ],
)
def test_the_timestamp_header_is_the_same_instant_with_an_offset(
    body_timestamp, header
):
    assert signing.timestamp_header(body_timestamp) == header


def test_headers_carry_event_timestamp_delivery_attempt_and_signature():
    body = signing.encode_body(ENVELOPE)

    headers = signing.delivery_headers(
        event_type="proposal.created",
        event_timestamp=ENVELOPE["timestamp"],
        delivery_id="d-1",
        attempt=2,
        body=body,
        secret="s3cret",
    )

    assert headers == {
        "Content-Type": "application/json",
        "User-Agent": signing.USER_AGENT,
        "X-Tessera-Event": "proposal.created",
        "X-Tessera-Timestamp": "2026-01-02T03:04:05.123456+00:00",
        "X-Tessera-Delivery": "d-1",
        "X-Tessera-Attempt": "2",
        "X-Tessera-Signature": signing.sign(body, "s3cret"),
    }


def test_no_signature_header_without_a_secret():
    headers = signing.delivery_headers(
        event_type="e",
        event_timestamp="t",
        delivery_id="d",
        attempt=1,
        body=b"{}",
        secret="",
    )

    assert "X-Tessera-Signature" not in headers
