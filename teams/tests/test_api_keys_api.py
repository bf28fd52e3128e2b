"""API key endpoints (API.md 5.8)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import Event
from conftest import SYSTEM
from teams import keys, services
from teams.models import ApiKey
from tessera.tests.envelope import assert_error, assert_validation_error

pytestmark = pytest.mark.django_db

KEYS = "/api/v1/api-keys"
KEY_FIELDS = {
    "id",
    "key_prefix",
    "name",
    "team_id",
    "scopes",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
}


# --- POST /api-keys ---------------------------------------------------------------------


def test_creating_a_key_returns_the_secret_once(admin_client, other_team) -> None:
    response = admin_client.post(
        KEYS, {"name": "ci", "team_id": str(other_team.id), "scopes": ["read"]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "key",
        "key_prefix",
        "name",
        "team_id",
        "scopes",
        "created_at",
        "expires_at",
    }
    assert re.fullmatch(r"tess_live_[0-9a-f]{64}", body["key"])
    assert body["key_prefix"] == body["key"][:14]
    assert (body["name"], body["team_id"], body["scopes"]) == (
        "ci",
        str(other_team.id),
        ["read"],
    )
    assert body["expires_at"] is None
    stored = ApiKey.objects.get(pk=body["id"])
    assert stored.key_hash == keys.digest(body["key"])
    assert "key" not in admin_client.get(f"{KEYS}/{body['id']}").json()


def test_the_new_key_authenticates(admin_client, api_client, team) -> None:
    raw = admin_client.post(KEYS, {"name": "ci", "scopes": ["read"]}).json()["key"]

    assert api_client.get("/api/v1/teams", HTTP_X_API_KEY=raw).status_code == 200


def test_scopes_default_to_read_and_write(admin_client) -> None:
    assert admin_client.post(KEYS, {"name": "ci"}).json()["scopes"] == ["read", "write"]


def test_an_empty_scope_list_is_allowed_and_duplicates_are_kept(admin_client) -> None:
    assert admin_client.post(KEYS, {"name": "a", "scopes": []}).json()["scopes"] == []
    body = admin_client.post(KEYS, {"name": "b", "scopes": ["read", "read"]}).json()
    assert body["scopes"] == ["read", "read"]


def test_without_team_id_the_key_belongs_to_the_callers_team(
    admin_client, team
) -> None:
    assert admin_client.post(KEYS, {"name": "mine"}).json()["team_id"] == str(team.id)


def test_an_expiry_is_stored(admin_client) -> None:
    body = admin_client.post(
        KEYS, {"name": "temp", "expires_at": "2030-01-01T00:00:00Z"}
    ).json()

    assert body["expires_at"] == "2030-01-01T00:00:00Z"


def test_an_unknown_team_is_404(admin_client) -> None:
    missing = uuid.uuid4()

    response = admin_client.post(KEYS, {"name": "ci", "team_id": str(missing)})

    assert_error(response, 404, "NOT_FOUND", f"Team {missing} not found")


def test_a_soft_deleted_team_gets_no_key(admin_client, make_team) -> None:
    gone = make_team("Gone")
    services.delete_team(team=gone, actor=SYSTEM)

    response = admin_client.post(KEYS, {"name": "ci", "team_id": str(gone.id)})

    assert_error(response, 404, "NOT_FOUND", f"Team {gone.id} not found")


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({}, ("body", "name"), "missing"),
        ({"name": ""}, ("body", "name"), "string_too_short"),
        ({"name": "x" * 256}, ("body", "name"), "string_too_long"),
        ({"name": "ci", "scopes": ["root"]}, ("body", "scopes", 0), "enum"),
        ({"name": "ci", "scopes": ["READ"]}, ("body", "scopes", 0), "enum"),
        ({"name": "ci", "scopes": "read"}, ("body", "scopes"), "list_type"),
        ({"name": "ci", "team_id": "nope"}, ("body", "team_id"), "uuid_parsing"),
        (
            {"name": "ci", "expires_at": "soon"},
            ("body", "expires_at"),
            "datetime_parsing",
        ),
    ],
)
def test_an_invalid_body_is_422(admin_client, body, loc, kind) -> None:
    detail = assert_validation_error(admin_client.post(KEYS, body), loc)

    assert detail[0]["type"] == kind


def test_creating_needs_the_admin_scope(writer_client) -> None:
    response = writer_client.post(KEYS, {"name": "ci"})

    assert_error(
        response, 403, "INSUFFICIENT_SCOPE", "This operation requires the 'admin' scope"
    )


def test_creating_is_audited_with_the_callers_team(
    admin_client, team, other_team
) -> None:
    key_id = admin_client.post(
        KEYS, {"name": "ci", "team_id": str(other_team.id), "scopes": ["read"]}
    ).json()["id"]

    event = Event.objects.get(action="api_key.created", entity_id=key_id)
    assert event.entity_type == "api_key"
    assert event.actor_id == team.id
    assert event.payload == {
        "name": "ci",
        "team_id": str(other_team.id),
        "scopes": ["read"],
    }


# --- GET /api-keys ----------------------------------------------------------------------


def test_keys_are_listed_newest_first_without_secrets(
    admin_client, make_key, team
) -> None:
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=1)):
        older, _ = make_key(team)
    with time_machine.travel(start + timedelta(seconds=2)):
        newer, _ = make_key(team)

    body = admin_client.get(KEYS).json()

    assert set(body) == {"keys"}
    ids = [k["id"] for k in body["keys"]]
    assert ids.index(str(newer.id)) < ids.index(str(older.id))
    assert all(set(k) == KEY_FIELDS for k in body["keys"])


def test_revoked_keys_are_listed_only_on_request(admin_client, make_key, team) -> None:
    revoked, _ = make_key(team)
    services.revoke_api_key(key=revoked, actor=SYSTEM)

    listed = {k["id"] for k in admin_client.get(KEYS).json()["keys"]}
    everything = {
        k["id"]
        for k in admin_client.get(KEYS, {"include_revoked": "yes"}).json()["keys"]
    }

    assert str(revoked.id) not in listed
    assert str(revoked.id) in everything


def test_an_admin_filters_by_team(admin_client, make_key, team, other_team) -> None:
    theirs, _ = make_key(other_team)

    body = admin_client.get(KEYS, {"team_id": str(other_team.id)}).json()

    assert [k["id"] for k in body["keys"]] == [str(theirs.id)]


def test_an_admin_sees_every_teams_keys(admin_client, make_key, other_team) -> None:
    theirs, _ = make_key(other_team)

    assert str(theirs.id) in {k["id"] for k in admin_client.get(KEYS).json()["keys"]}


def test_a_non_admin_sees_only_its_own_teams_keys(
    client_for, make_key, team, other_team
) -> None:
    theirs, _ = make_key(other_team)
    client = client_for(team, ["read"])

    listed = client.get(KEYS, {"team_id": str(other_team.id)}).json()["keys"]

    assert listed
    assert {k["team_id"] for k in listed} == {str(team.id)}
    assert str(theirs.id) not in {k["id"] for k in listed}


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"team_id": "x"}, ("query", "team_id"), "uuid_parsing"),
        (
            {"include_revoked": "sometimes"},
            ("query", "include_revoked"),
            "bool_parsing",
        ),
    ],
)
def test_bad_list_parameters_are_422(admin_client, params, loc, kind) -> None:
    detail = assert_validation_error(admin_client.get(KEYS, params), loc)

    assert detail[0]["type"] == kind


def test_listing_takes_a_constant_number_of_queries(
    admin_client, make_key, team, django_assert_num_queries
) -> None:
    for _ in range(5):
        make_key(team)
    admin_client.get(KEYS)

    # Savepoint, key lookup, the keys, release.
    with django_assert_num_queries(4):
        admin_client.get(KEYS)


# --- GET /api-keys/{id} -----------------------------------------------------------------


def test_a_key_is_read_by_id(client_for, make_key, team) -> None:
    key, _ = make_key(team, ["read"])

    body = client_for(team, ["read"]).get(f"{KEYS}/{key.id}").json()

    assert set(body) == KEY_FIELDS
    assert (body["id"], body["key_prefix"]) == (str(key.id), key.key_prefix)


def test_another_teams_key_is_403_forbidden_for_a_non_admin(
    client_for, make_key, team, other_team
) -> None:
    theirs, _ = make_key(other_team)

    response = client_for(team, ["read"]).get(f"{KEYS}/{theirs.id}")

    assert_error(response, 403, "FORBIDDEN", "Cannot view keys for other teams")


def test_an_admin_reads_any_teams_key(admin_client, make_key, other_team) -> None:
    theirs, _ = make_key(other_team)

    assert admin_client.get(f"{KEYS}/{theirs.id}").status_code == 200


def test_an_unknown_key_is_404(admin_client) -> None:
    missing = uuid.uuid4()

    assert_error(
        admin_client.get(f"{KEYS}/{missing}"),
        404,
        "NOT_FOUND",
        f"API key {missing} not found",
    )


def test_a_malformed_key_id_is_422(admin_client) -> None:
    detail = assert_validation_error(
        admin_client.get(f"{KEYS}/123"), ("path", "key_id")
    )

    assert detail[0]["type"] == "uuid_parsing"


# --- DELETE /api-keys/{id} --------------------------------------------------------------


def test_revoking_returns_the_key_with_200(admin_client, make_key, team) -> None:
    key, _ = make_key(team)

    response = admin_client.delete(f"{KEYS}/{key.id}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEY_FIELDS
    assert body["revoked_at"] is not None
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_revoked_key_stops_working(admin_client, api_client, make_key, team) -> None:
    key, raw = make_key(team, ["read"])

    admin_client.delete(f"{KEYS}/{key.id}")

    assert_error(
        api_client.get("/api/v1/teams", HTTP_X_API_KEY=raw), 401, "INVALID_API_KEY"
    )


def test_revoking_again_keeps_the_first_revocation_time(
    admin_client, make_key, team
) -> None:
    key, _ = make_key(team)
    first = admin_client.delete(f"{KEYS}/{key.id}").json()["revoked_at"]

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        second = admin_client.delete(f"{KEYS}/{key.id}")

    assert second.status_code == 200
    assert second.json()["revoked_at"] == first


def test_every_revoke_call_is_audited(admin_client, make_key, team) -> None:
    key, _ = make_key(team)

    admin_client.delete(f"{KEYS}/{key.id}")
    admin_client.delete(f"{KEYS}/{key.id}")

    events = Event.objects.filter(action="api_key.revoked", entity_id=key.id)
    assert events.count() == 2
    assert events.first().payload == {"name": key.name, "team_id": str(team.id)}
    assert events.first().actor_id == team.id


def test_revoking_an_unknown_key_is_404(admin_client) -> None:
    missing = uuid.uuid4()

    assert_error(
        admin_client.delete(f"{KEYS}/{missing}"),
        404,
        "NOT_FOUND",
        f"API key {missing} not found",
    )


def test_revoking_needs_the_admin_scope(writer_client, make_key, team) -> None:
    key, _ = make_key(team)

    assert_error(writer_client.delete(f"{KEYS}/{key.id}"), 403, "INSUFFICIENT_SCOPE")
