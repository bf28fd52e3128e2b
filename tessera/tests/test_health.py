"""Health probes (API.md 6): unauthenticated; readiness fails with the database."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every new use of the connection fail as if the server were unreachable."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError('connection to server at "db-host" failed: refused')

    monkeypatch.setattr(connection, "cursor", refuse)
    monkeypatch.setattr(connection, "ensure_connection", refuse)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/health", {"status": "healthy"}),
        ("/health/live", {"status": "alive"}),
        ("/health/ready", {"status": "ready", "database": True}),
    ],
)
def test_the_probes_answer_without_credentials(api_client, path, body) -> None:
    response = api_client.get(path)

    assert response.status_code == 200
    assert response.json() == body


@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready"])
def test_the_probes_ignore_bad_credentials(api_client, path) -> None:
    response = api_client.get(path, HTTP_AUTHORIZATION="Basic nonsense")

    assert response.status_code == 200


def test_readiness_is_503_when_the_database_is_unreachable(
    api_client, database_down
) -> None:
    response = api_client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"]) == ("not_ready", False)
    assert "refused" in body["error"]  # development shows the driver's message


def test_outside_development_readiness_hides_the_drivers_message(
    api_client, database_down, settings
) -> None:
    settings.IS_DEVELOPMENT = False

    body = api_client.get("/health/ready").json()

    assert body["error"] == "database unavailable"
    assert "db-host" not in str(body)


@pytest.mark.parametrize("path", ["/health", "/health/live"])
def test_liveness_does_not_need_the_database(api_client, database_down, path) -> None:
    assert api_client.get(path).status_code == 200


def test_probes_answer_head(api_client) -> None:
    assert api_client.head("/health/live").status_code == 200


class _ExhaustedPool:
    """A psycopg pool that never lends a connection, recording the wait asked for."""

    waited: float | None = None

    def open(self) -> None:
        pass

    def getconn(self, timeout: float | None = None) -> object:
        type(self).waited = timeout
        raise OperationalError("couldn't get a connection")

    def putconn(self, conn: object) -> None:
        raise AssertionError("no connection was lent")


def test_readiness_waits_briefly_for_a_pooled_connection(
    api_client, monkeypatch
) -> None:
    # Not DB_POOL_TIMEOUT (30 s): the probe answers 503 while the pool cannot lend.
    from tessera.db import availability

    monkeypatch.setattr(availability, "holds_connection", lambda: False)
    monkeypatch.setattr(availability, "existing_pool", _ExhaustedPool)

    response = api_client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["database"] is False
    assert _ExhaustedPool.waited == 3.0
