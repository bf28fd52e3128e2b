"""Shared fixtures: API clients holding keys of given scopes, teams, and DB markers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from teams import services as team_services
from teams.models import ApiKey, Team
from teams.principal import Principal


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgresql://...")


@pytest.fixture(autouse=True)
def _test_settings(settings):  # type: ignore[no-untyped-def]
    # Tests start from the guide's defaults, whatever the developer's shell exports.
    settings.AUTH_DISABLED = False
    settings.BOOTSTRAP_API_KEY = ""
    settings.WEBHOOK_URL = ""
    settings.WEBHOOK_SECRET = ""
    settings.RATE_LIMIT_ENABLED = False  # tessera/tests/test_ratelimit.py enables it
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SYSTEM = Principal.system("tests")


@pytest.fixture
def make_team(db) -> Callable[..., Team]:  # type: ignore[no-untyped-def]
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **metadata: object) -> Team:
        return team_services.create_team(
            name=name or f"Team {next(counter)}", metadata=dict(metadata), actor=SYSTEM
        )

    return make


@pytest.fixture
def team(make_team) -> Team:  # type: ignore[no-untyped-def]
    return make_team("Producers")


@pytest.fixture
def other_team(make_team) -> Team:  # type: ignore[no-untyped-def]
    return make_team("Consumers")


@pytest.fixture
def make_key(db) -> Callable[..., tuple[ApiKey, str]]:  # type: ignore[no-untyped-def]
    def make(
        team: Team, scopes: Iterable[str] = ("read", "write"), **fields: object
    ) -> tuple[ApiKey, str]:
        return team_services.create_api_key(
            team=team, name="test key", scopes=list(scopes), actor=SYSTEM, **fields
        )

    return make


@pytest.fixture
def client_for(make_key) -> Callable[..., APIClient]:  # type: ignore[no-untyped-def]
    """An API client authenticated as ``team`` with ``scopes`` (via X-API-Key)."""

    def make(team: Team, scopes: Iterable[str] = ("read", "write")) -> APIClient:
        _, raw = make_key(team, scopes)
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=raw)
        return client

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_client(client_for, team) -> APIClient:  # type: ignore[no-untyped-def]
    return client_for(team, ["read", "write", "admin"])


@pytest.fixture
def writer_client(client_for, team) -> APIClient:  # type: ignore[no-untyped-def]
    return client_for(team, ["read", "write"])
