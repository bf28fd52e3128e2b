"""One HTTP attempt against a real local server (``post_webhook``), and the backoff."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from webhooks.delivery import MAX_ERROR_LENGTH, backoff_seconds, post_webhook
from webhooks.tests.receivers import Reply, always

BODY = b'{"event":"x","timestamp":"2026-01-02T03:04:05Z","payload":{}}'
HEADERS = {"Content-Type": "application/json", "X-Tessera-Event": "x"}


def post(
    url: str,
    *,
    timeout: float = 5,
    allowed=("127.0.0.1",),
    allow_loopback=False,
    **kwargs,
):  # type: ignore[no-untyped-def]
    return post_webhook(
        url,
        BODY,
        HEADERS,
        timeout=timeout,
        allowed_hosts=allowed,
        allow_loopback=allow_loopback,
        **kwargs,
    )


def test_a_2xx_answer_is_a_success(receiver):
    receiver.script = always(204)

    result = post(receiver.url)

    assert (result.succeeded, result.status_code, result.error) == (True, 204, None)
    [request] = receiver.requests
    assert request.body == BODY
    assert request.path == "/webhook"
    assert request.header("X-Tessera-Event") == "x"


def test_the_query_string_is_kept(receiver):
    post(receiver.url + "?token=abc")

    assert receiver.requests[0].path == "/webhook?token=abc"


def test_an_error_status_is_a_failure_with_the_start_of_the_body(receiver):
    receiver.script = always(500, b"E" * 2000)

    result = post(receiver.url)

    assert not result.succeeded
    assert not result.permanent
    assert result.status_code == 500
    assert result.error == "E" * MAX_ERROR_LENGTH


def test_an_error_without_a_body_is_described_by_its_status(receiver):
    receiver.script = always(503)

    assert post(receiver.url).error == "HTTP 503 Service Unavailable"


def test_a_redirect_is_not_followed_and_is_a_failure(receiver):
    elsewhere = receiver.url.replace("/webhook", "/elsewhere")
    receiver.script = lambda number, request: (
        Reply(302, b"", {"Location": elsewhere})
        if request.path == "/webhook"
        else Reply()
    )

    result = post(receiver.url)

    assert not result.succeeded
    assert result.status_code == 302
    assert "redirects are not followed" in result.error
    assert elsewhere in result.error
    assert [r.path for r in receiver.requests] == ["/webhook"]


def test_a_slow_receiver_times_out(receiver):
    receiver.script = lambda number, request: receiver.release.wait(5) and Reply()
    started = time.monotonic()

    result = post(receiver.url, timeout=0.2)

    assert time.monotonic() - started < 2
    assert (result.succeeded, result.status_code) == (False, None)
    assert result.error == "Timed out after 0.2 s"


def test_the_timeout_bounds_the_whole_attempt_not_each_read():
    # A server that trickles its answer one byte at a time never trips a per-read
    # socket timeout; the attempt's deadline still ends it.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 1000:
                if stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.02)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        result = post(f"http://127.0.0.1:{port}/", timeout=0.3)
    finally:
        stop.set()
        listener.close()

    assert time.monotonic() - started < 1.5
    assert result.error == "Timed out after 0.3 s"


def test_a_refused_connection_is_a_retryable_failure():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # The port is closed now.

    result = post(f"http://127.0.0.1:{port}/")

    assert not result.succeeded
    assert not result.permanent
    assert "ConnectionRefusedError" in result.error


def test_a_loopback_destination_is_refused_without_an_allow_list(receiver):
    result = post(receiver.url, allowed=())

    assert not result.succeeded
    assert result.permanent
    assert "127.0.0.1" in result.error
    assert "loopback" in result.error
    assert receiver.requests == []


def test_the_development_setting_allows_loopback(receiver):
    assert post(receiver.url, allowed=(), allow_loopback=True).succeeded


def test_a_name_resolving_to_a_refused_address_is_refused(receiver):
    url = receiver.url.replace("127.0.0.1", "localhost")

    result = post(url, allowed=())

    assert result.permanent
    assert "localhost" in result.error
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host_header(
    receiver,
):
    # The stub resolver stands for the one DNS answer that was checked: the request
    # must reach it (no second lookup) and still name the original host.
    def resolver(host, port, *args):  # type: ignore[no-untyped-def]
        assert host == "hooks.example.test"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    url = f"http://hooks.example.test:{receiver.port}/webhook"

    result = post(url, allowed=("hooks.example.test",), resolver=resolver)

    assert result.succeeded
    assert receiver.requests[0].header("Host") == f"hooks.example.test:{receiver.port}"


def test_an_unresolvable_name_is_a_retryable_failure():
    def resolver(*args):  # type: ignore[no-untyped-def]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = post("http://nowhere.invalid/hook", resolver=resolver)

    assert not result.succeeded
    assert not result.permanent
    assert result.error.startswith("Cannot resolve nowhere.invalid")


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "http:///nohost", "http://example.com:99999/"]
)
def test_an_invalid_url_is_a_permanent_failure(url):
    result = post(url)

    assert result.permanent
    assert not result.succeeded


@pytest.mark.parametrize(
    ("attempt", "base", "low", "high"),
    [
        (1, 1.0, 1.0, 1.5),
        (2, 1.0, 2.0, 3.0),
        (3, 1.0, 4.0, 6.0),
        (4, 0.5, 4.0, 6.0),
        (30, 1.0, 3600, 5400),
    ],
)
def test_backoff_doubles_per_attempt_with_up_to_half_again_of_jitter(
    attempt, base, low, high
):
    assert backoff_seconds(attempt, base, rand=lambda: 0.0) == low
    assert backoff_seconds(attempt, base, rand=lambda: 1.0) == high
    assert low <= backoff_seconds(attempt, base) <= high


def test_zero_base_means_immediate_retries():
    assert backoff_seconds(3, 0.0) == 0.0
