"""The development receiver (``python -m webhooks.receiver``)."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from webhooks.receiver import ReceiverServer
from webhooks.signing import sign

BODY = b'{"event":"proposal.withdrawn","timestamp":"2026-01-02T03:04:05Z","payload":{}}'


def serve(**options) -> Iterator[ReceiverServer]:  # type: ignore[no-untyped-def]
    server = ReceiverServer(("127.0.0.1", 0), quiet=True, **options)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def signed_receiver() -> Iterator[ReceiverServer]:
    yield from serve(secret="s3cret")


def request(
    server: ReceiverServer, method: str, path: str, body: bytes = b"", headers=None
):  # type: ignore[no-untyped-def]
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def post(server: ReceiverServer, signature: str | None, delivery: str = "d-1"):  # type: ignore[no-untyped-def]
    headers = {
        "Content-Type": "application/json",
        "X-Tessera-Event": "proposal.withdrawn",
        "X-Tessera-Delivery": delivery,
    }
    if signature is not None:
        headers["X-Tessera-Signature"] = signature
    return request(server, "POST", "/webhook", BODY, headers)


def test_health_answers_ok(signed_receiver):
    assert request(signed_receiver, "GET", "/health") == (200, {"status": "ok"})


def test_a_correctly_signed_event_is_accepted_and_kept(signed_receiver):
    assert post(signed_receiver, sign(BODY, "s3cret")) == (200, {"received": True})

    _status, body = request(signed_receiver, "GET", "/events")
    [event] = body["events"]
    assert event["signature"] == "valid"
    assert event["event"] == "proposal.withdrawn"
    assert event["delivery"] == "d-1"
    assert event["body"]["event"] == "proposal.withdrawn"


@pytest.mark.parametrize("signature", [None, sign(BODY, "other"), "garbage"])
def test_a_missing_or_wrong_signature_is_rejected(signed_receiver, signature):
    status, _ = post(signed_receiver, signature)

    assert status == 401


def test_without_a_secret_events_are_accepted_unchecked():
    for server in serve():
        assert post(server, None)[0] == 200
        assert server.events[0].signature == "not checked"


def test_fail_first_answers_503_to_the_first_attempts_of_each_delivery():
    for server in serve(fail_first=2):
        assert [post(server, None, "a")[0] for _ in range(3)] == [503, 503, 200]
        assert post(server, None, "b")[0] == 503


def test_the_module_runs_as_a_program_and_answers_health():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "webhooks.receiver",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "Webhook receiver on http://127.0.0.1:" in line
        port = int(line.split("127.0.0.1:")[1].split(",")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        deadline = time.monotonic() + 5
        while True:
            try:
                connection.request("GET", "/health")
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert connection.getresponse().status == 200
    finally:
        process.kill()
        process.wait(timeout=5)
        process.stdout.close()
