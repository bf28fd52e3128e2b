"""The error envelope, request ids, routing errors and per-request transactions."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.test import Client

from teams.models import Team
from tessera.middleware import RequestIdLogFilter
from tessera.tests import urls as test_urls
from tessera.tests.envelope import assert_error, assert_validation_error

TEAMS = "/api/v1/teams"


class Collect(logging.Handler):
    """Keep the records a logger emits, with the request id filter of the settings."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdLogFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collect_logs():
    handlers: list[tuple[logging.Logger, Collect]] = []

    def attach(name: str) -> Collect:
        logger, handler = logging.getLogger(name), Collect()
        logger.addHandler(handler)
        handlers.append((logger, handler))
        return handler

    yield attach
    for logger, handler in handlers:
        logger.removeHandler(handler)


@pytest.fixture
def raising_client() -> Client:
    # Like a real server: an unhandled error becomes the 500 handler's response.
    return Client(raise_request_exception=False)


# --- Request ids ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_id_is_generated_for_every_response(api_client) -> None:
    response = api_client.get("/health")

    assert uuid.UUID(response["X-Request-ID"]).version == 4


@pytest.mark.django_db
def test_a_supplied_request_id_is_echoed_in_the_header_and_the_error(
    api_client,
) -> None:
    response = api_client.get(TEAMS, HTTP_X_REQUEST_ID="trace-abc.123")

    assert response["X-Request-ID"] == "trace-abc.123"
    assert response.json()["error"]["request_id"] == "trace-abc.123"


@pytest.mark.django_db
@pytest.mark.parametrize("supplied", ["has space", "x" * 201, "new\nline", ""])
def test_an_unsafe_request_id_is_replaced(api_client, supplied) -> None:
    response = api_client.get("/health", HTTP_X_REQUEST_ID=supplied)

    assert response["X-Request-ID"] != supplied
    assert uuid.UUID(response["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/health"),
        ("get", TEAMS),
        ("get", "/no/such/route"),
        ("delete", TEAMS),
        ("get", f"{TEAMS}/"),
        ("get", "/admin/"),
        ("get", "/openapi.json"),
    ],
)
def test_every_kind_of_response_carries_the_request_id(
    api_client, method, path
) -> None:
    response = getattr(api_client, method)(path, HTTP_X_REQUEST_ID="req-1")

    assert response["X-Request-ID"] == "req-1"


# --- Unknown routes, wrong methods, trailing slashes ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_unknown_route_is_a_404_envelope(api_client, method) -> None:
    response = getattr(api_client, method)("/api/v1/nothing-here")

    assert_error(response, 404, "NOT_FOUND", "Not Found")


@pytest.mark.django_db
def test_a_wrong_method_is_a_405_envelope(admin_client, team) -> None:
    response = admin_client.delete(TEAMS)

    assert_error(response, 405, "BAD_REQUEST", "Method Not Allowed")
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_a_wrong_method_is_405_before_authentication(api_client) -> None:
    assert_error(api_client.put(TEAMS), 405, "BAD_REQUEST", "Method Not Allowed")
    assert_error(
        api_client.post("/api/v1/audit/events", HTTP_AUTHORIZATION="Basic x"),
        405,
        "BAD_REQUEST",
        "Method Not Allowed",
    )


@pytest.mark.django_db
def test_a_wrong_method_is_405_before_the_body_is_parsed(api_client, team) -> None:
    response = api_client.generic(
        "DELETE", TEAMS, "{broken", content_type="application/json"
    )

    assert_error(response, 405, "BAD_REQUEST", "Method Not Allowed")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready"])
def test_a_wrong_method_on_a_probe_is_a_405_envelope(api_client, path) -> None:
    response = api_client.post(path)

    assert_error(response, 405, "BAD_REQUEST", "Method Not Allowed")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_trailing_slash_is_a_307_to_the_slash_less_route(api_client, method) -> None:
    response = getattr(api_client, method)(f"{TEAMS}/")

    assert response.status_code == 307
    assert response["Location"] == TEAMS


@pytest.mark.django_db
def test_the_redirect_keeps_the_query_string(api_client) -> None:
    response = api_client.get(f"{TEAMS}/?name=plat&limit=5")

    assert response.status_code == 307
    assert response["Location"] == f"{TEAMS}?name=plat&limit=5"


@pytest.mark.django_db
def test_a_trailing_slash_on_an_unknown_route_is_404(api_client) -> None:
    assert_error(api_client.get("/api/v1/nothing-here/"), 404, "NOT_FOUND")


@pytest.mark.django_db
def test_following_the_redirect_reaches_the_route(admin_client, team) -> None:
    response = admin_client.get(f"{TEAMS}/", follow=True)

    assert response.status_code == 200
    assert response.json()["total"] == 1


# --- Validation -------------------------------------------------------------------------


@pytest.mark.django_db
def test_validation_errors_are_422_with_the_envelope_and_a_detail_array(
    admin_client,
) -> None:
    response = admin_client.post("/api/v1/api-keys", {"scopes": ["nope"]})

    detail = assert_validation_error(response, ("body", "name"), ("body", "scopes", 0))
    assert {item["type"] for item in detail} == {"missing", "enum"}


@pytest.mark.django_db
def test_malformed_json_is_422_json_invalid(admin_client) -> None:
    response = admin_client.generic(
        "POST", TEAMS, "[1,", content_type="application/json"
    )

    detail = assert_validation_error(response)
    assert detail[0]["type"] == "json_invalid"
    assert detail[0]["loc"][0] == "body"


@pytest.mark.django_db
def test_malformed_json_is_422_even_without_credentials(api_client) -> None:
    response = api_client.generic(
        "POST", "/api/v1/api-keys", "{", content_type="application/vnd.api+json"
    )

    assert assert_validation_error(response)[0]["type"] == "json_invalid"


@pytest.mark.django_db
def test_unknown_body_fields_and_query_parameters_are_ignored(admin_client) -> None:
    response = admin_client.post(
        f"{TEAMS}?debug=1", {"name": "Extra", "colour": "blue"}
    )

    assert response.status_code == 201


# --- Unhandled errors -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tessera.tests.urls")
def test_an_unhandled_error_is_a_500_envelope_with_the_request_id(
    raising_client, collect_logs
) -> None:
    logs = collect_logs("tessera.errors")

    response = raising_client.get("/test/boom", HTTP_X_REQUEST_ID="req-500")

    assert_error(response, 500, "INTERNAL_ERROR", "An unexpected error occurred")
    assert response["X-Request-ID"] == "req-500"
    assert "boom" not in response.content.decode()
    [record] = logs.records
    assert record.levelno == logging.ERROR
    assert record.request_id == "req-500"  # type: ignore[attr-defined]
    assert record.exc_info is not None


@pytest.mark.django_db
@pytest.mark.urls("tessera.tests.urls")
def test_an_unhandled_error_outside_drf_is_a_500_envelope_too(
    raising_client, collect_logs
) -> None:
    logs = collect_logs("django.request")

    response = raising_client.get("/test/django-boom", HTTP_X_REQUEST_ID="req-dj")

    assert_error(response, 500, "INTERNAL_ERROR", "An unexpected error occurred")
    assert response["X-Request-ID"] == "req-dj"
    assert any(r.request_id == "req-dj" for r in logs.records)  # type: ignore[attr-defined]


# --- One transaction per request --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tessera.tests.urls")
def test_a_request_runs_in_a_transaction_committed_before_the_response(
    api_client,
) -> None:
    test_urls.observed.clear()

    response = api_client.post("/test/write", {"name": "Committed"})

    assert response.status_code == 201
    assert test_urls.observed == {"in_atomic_block": True, "committed": True}
    assert Team.objects.filter(name="Committed").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tessera.tests.urls")
def test_an_unhandled_error_rolls_the_request_back(raising_client) -> None:
    response = raising_client.post(
        "/test/write-then-fail", {"name": "Ghost"}, content_type="application/json"
    )

    assert response.status_code == 500
    assert not Team.objects.filter(name="Ghost").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tessera.tests.urls")
def test_a_domain_error_rolls_the_request_back(api_client) -> None:
    response = api_client.post(
        "/test/write-then-fail", {"name": "Ghost", "domain_error": True}
    )

    assert_error(response, 400, "BAD_REQUEST", "refused after writing")
    assert not Team.objects.filter(name="Ghost").exists()
