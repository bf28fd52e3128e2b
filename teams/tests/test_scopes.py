"""Scope rules (API.md 2.3): admin implies every scope, write does not imply read."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from teams.models import Team
from teams.permissions import required_scope
from teams.principal import ALL_SCOPES, Principal, PrincipalKind
from tessera.tests.envelope import assert_error


def principal(*scopes: str, team: Team | None = None) -> Principal:
    return Principal(PrincipalKind.API_KEY, frozenset(scopes), team)


@pytest.mark.parametrize(
    ("scopes", "scope", "granted"),
    [
        (("read",), "read", True),
        (("read",), "write", False),
        (("read",), "admin", False),
        (("write",), "write", True),
        (("write",), "read", False),
        (("write",), "admin", False),
        (("admin",), "read", True),
        (("admin",), "write", True),
        (("admin",), "admin", True),
        ((), "read", False),
        (("read", "write"), "admin", False),
    ],
)
def test_scope_rules(scopes: tuple[str, ...], scope: str, granted: bool) -> None:
    assert principal(*scopes).has_scope(scope) is granted


def test_only_admin_is_admin() -> None:
    assert principal("admin").is_admin
    assert not principal("read", "write").is_admin


def test_a_caller_owns_its_own_teams_rows_and_admins_own_every_row() -> None:
    team = Team(id=uuid.uuid4(), name="Mine")
    other = uuid.uuid4()

    assert principal("write", team=team).owns(team.id)
    assert principal("write", team=team).owns(str(team.id))
    assert not principal("write", team=team).owns(other)
    assert not principal("write", team=team).owns(None)
    assert principal("admin", team=team).owns(other)


def test_the_system_principal_has_every_scope_and_no_team() -> None:
    system = Principal.system("manage.py bootstrap")

    assert system.scopes == ALL_SCOPES
    assert system.team is None
    assert system.team_id is None
    assert system.label == "manage.py bootstrap"


@pytest.mark.parametrize(
    ("method", "action", "expected"),
    [
        ("GET", "list", "read"),
        ("HEAD", "retrieve", "read"),
        ("POST", "create", "admin"),
        ("DELETE", "destroy", "write"),
        ("PATCH", "partial_update", "write"),
        ("GET", "keys", ""),
    ],
)
def test_the_required_scope_comes_from_the_view_then_from_the_method(
    method: str, action: str, expected: str
) -> None:
    view = SimpleNamespace(
        action=action, required_scopes={"create": "admin", "keys": ""}
    )
    request = SimpleNamespace(method=method)

    assert required_scope(request, view) == expected  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_write_only_key_may_not_read(client_for, team) -> None:
    response = client_for(team, ["write"]).get("/api/v1/teams")

    assert_error(
        response, 403, "INSUFFICIENT_SCOPE", "This operation requires the 'read' scope"
    )


@pytest.mark.django_db
def test_a_read_key_may_not_change_a_team(client_for, team) -> None:
    response = client_for(team, ["read", "write"]).delete(f"/api/v1/teams/{team.id}")

    assert_error(
        response, 403, "INSUFFICIENT_SCOPE", "This operation requires the 'admin' scope"
    )


@pytest.mark.django_db
def test_an_admin_key_may_read_write_and_administer(client_for, team) -> None:
    client = client_for(team, ["admin"])

    assert client.get("/api/v1/teams").status_code == 200
    assert (
        client.patch(f"/api/v1/teams/{team.id}", {}, format="json").status_code == 200
    )
    assert client.get("/api/v1/audit/events").status_code == 200


@pytest.mark.django_db
def test_a_key_without_scopes_may_still_list_its_own_keys(client_for, team) -> None:
    client = client_for(team, [])

    assert client.get("/api/v1/api-keys").status_code == 200
    assert_error(
        client.get("/api/v1/teams"),
        403,
        "INSUFFICIENT_SCOPE",
        "This operation requires the 'read' scope",
    )


@pytest.mark.django_db
def test_the_scope_is_checked_before_the_body_is_validated(client_for, team) -> None:
    response = client_for(team, ["read"]).post(
        "/api/v1/api-keys", {"name": ""}, format="json"
    )

    assert_error(
        response, 403, "INSUFFICIENT_SCOPE", "This operation requires the 'admin' scope"
    )
