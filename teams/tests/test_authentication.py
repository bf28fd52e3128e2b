"""API keys, the bootstrap key, AUTH_DISABLED and staff sessions (API.md 2, WORKFLOWS 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from argon2 import PasswordHasher
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import SYSTEM
from teams import keys, services
from teams.models import ApiKey, Team
from tessera.tests.envelope import assert_error

pytestmark = pytest.mark.django_db

TEAMS = "/api/v1/teams"
MISSING = "Missing Authorization header. Use 'Authorization: Bearer <api_key>'"
BAD_HEADER = "Invalid format. Use 'Authorization: Bearer <api_key>'"
INVALID = "Invalid or expired API key"


def test_a_key_authenticates_in_x_api_key(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"])

    assert api_client.get(TEAMS, HTTP_X_API_KEY=raw).status_code == 200


def test_a_key_authenticates_as_a_bearer_token(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"])

    assert api_client.get(TEAMS, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_no_credential_is_401_missing_api_key(api_client) -> None:
    assert_error(api_client.get(TEAMS), 401, "MISSING_API_KEY", MISSING)


def test_an_empty_x_api_key_counts_as_no_credential(api_client) -> None:
    assert_error(
        api_client.get(TEAMS, HTTP_X_API_KEY=""), 401, "MISSING_API_KEY", MISSING
    )


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "bearer tess_live_x", "Bearer", "Token x"]
)
def test_an_authorization_header_that_is_not_bearer_is_401_invalid_auth_header(
    api_client, header
) -> None:
    response = api_client.get(TEAMS, HTTP_AUTHORIZATION=header)

    assert_error(response, 401, "INVALID_AUTH_HEADER", BAD_HEADER)


def test_authorization_wins_over_a_valid_x_api_key(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"])

    response = api_client.get(TEAMS, HTTP_AUTHORIZATION="Basic x", HTTP_X_API_KEY=raw)

    assert_error(response, 401, "INVALID_AUTH_HEADER", BAD_HEADER)


@pytest.mark.parametrize("token", ["tess_live_" + "0" * 64, "nonsense", "tess_live_"])
def test_an_unknown_key_is_401_invalid_api_key(api_client, team, token) -> None:
    assert_error(
        api_client.get(TEAMS, HTTP_X_API_KEY=token), 401, "INVALID_API_KEY", INVALID
    )


def test_the_bearer_token_is_not_trimmed(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"])

    response = api_client.get(TEAMS, HTTP_AUTHORIZATION=f"Bearer  {raw}")

    assert_error(response, 401, "INVALID_API_KEY", INVALID)


def test_a_revoked_key_is_401(api_client, make_key, team) -> None:
    key, raw = make_key(team, ["read"])
    services.revoke_api_key(key=key, actor=SYSTEM)

    assert_error(
        api_client.get(TEAMS, HTTP_X_API_KEY=raw), 401, "INVALID_API_KEY", INVALID
    )


def test_an_expired_key_is_401(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"], expires_at=timezone.now() + timedelta(hours=1))

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = api_client.get(TEAMS, HTTP_X_API_KEY=raw)

    assert_error(response, 401, "INVALID_API_KEY", INVALID)


def test_a_key_works_until_it_expires(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"], expires_at=timezone.now() + timedelta(hours=1))

    assert api_client.get(TEAMS, HTTP_X_API_KEY=raw).status_code == 200


def test_the_keys_of_a_soft_deleted_team_stop_working(
    api_client, make_key, team
) -> None:
    _, raw = make_key(team, ["read"])
    services.delete_team(team=team, actor=SYSTEM)

    assert_error(
        api_client.get(TEAMS, HTTP_X_API_KEY=raw), 401, "INVALID_API_KEY", INVALID
    )


def test_the_keys_of_a_restored_team_work_again(api_client, make_key, team) -> None:
    _, raw = make_key(team, ["read"])
    services.delete_team(team=team, actor=SYSTEM)
    services.restore_team(team=team, actor=SYSTEM)

    assert api_client.get(TEAMS, HTTP_X_API_KEY=raw).status_code == 200


def test_only_a_digest_of_the_key_is_stored(make_key, team) -> None:
    key, raw = make_key(team)
    key.refresh_from_db()

    assert key.key_hash == keys.digest(raw)
    assert raw not in (key.key_hash, key.key_prefix, key.name)
    assert key.key_prefix == raw[:14]


def imported_key(team: Team, raw: str, **fields: object) -> ApiKey:
    """A key migrated from the reference: an argon2id PHC hash, found by prefix."""
    phc = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(raw)
    return ApiKey.objects.create(
        key_hash=phc,
        key_prefix=raw[:14],
        name="imported",
        team=team,
        scopes=["read"],
        **fields,
    )


def test_a_key_imported_with_an_argon2_hash_authenticates(api_client, team) -> None:
    raw = keys.generate_key()
    imported_key(team, raw)

    assert api_client.get(TEAMS, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_wrong_key_with_an_imported_keys_prefix_is_401(api_client, team) -> None:
    raw = keys.generate_key()
    imported_key(team, raw)
    wrong = raw[:14] + "f" * 60

    assert_error(
        api_client.get(TEAMS, HTTP_X_API_KEY=wrong), 401, "INVALID_API_KEY", INVALID
    )


def test_a_revoked_imported_key_is_401(api_client, team) -> None:
    raw = keys.generate_key()
    imported_key(team, raw, revoked_at=timezone.now())

    assert_error(
        api_client.get(TEAMS, HTTP_X_API_KEY=raw), 401, "INVALID_API_KEY", INVALID
    )


def test_use_sets_last_used_at(api_client, make_key, team) -> None:
    key, raw = make_key(team, ["read"])
    assert key.last_used_at is None

    api_client.get(TEAMS, HTTP_X_API_KEY=raw)

    key.refresh_from_db()
    assert key.last_used_at is not None


def test_last_used_at_is_written_at_most_once_a_minute(
    api_client, make_key, team
) -> None:
    key, raw = make_key(team, ["read"])
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        api_client.get(TEAMS, HTTP_X_API_KEY=raw)
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        api_client.get(TEAMS, HTTP_X_API_KEY=raw)
    key.refresh_from_db()
    assert key.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_client.get(TEAMS, HTTP_X_API_KEY=raw)
    key.refresh_from_db()
    assert key.last_used_at == start + timedelta(seconds=61)


def test_a_request_within_the_minute_writes_nothing(
    api_client, make_key, team, django_assert_num_queries
) -> None:
    _, raw = make_key(team, ["read"])
    api_client.get(TEAMS, HTTP_X_API_KEY=raw)

    # The request's savepoint and release, the key lookup, then the page's count and
    # rows: no UPDATE of last_used_at.
    with django_assert_num_queries(5):
        assert api_client.get(TEAMS, HTTP_X_API_KEY=raw).status_code == 200


# --- The bootstrap key (API.md 2.1, WORKFLOWS 13.3) -------------------------------------


@pytest.fixture
def bootstrap(settings) -> str:
    settings.BOOTSTRAP_API_KEY = "guide-bootstrap-key"
    return "guide-bootstrap-key"


def test_the_bootstrap_key_has_every_scope(api_client, bootstrap, team) -> None:
    response = api_client.get("/api/v1/audit/events", HTTP_X_API_KEY=bootstrap)

    assert response.status_code == 200


def test_the_bootstrap_key_works_as_a_bearer_token(api_client, bootstrap, team) -> None:
    assert (
        api_client.get(TEAMS, HTTP_AUTHORIZATION=f"Bearer {bootstrap}").status_code
        == 200
    )


def test_the_bootstrap_key_acts_as_the_oldest_live_team(
    api_client, bootstrap, make_team
) -> None:
    oldest = make_team("Oldest")
    second = make_team("Second")
    make_team("Third")
    services.delete_team(team=oldest, actor=SYSTEM)

    response = api_client.post(
        "/api/v1/api-keys", {"name": "k"}, format="json", HTTP_X_API_KEY=bootstrap
    )

    assert response.status_code == 201, response.content
    assert response.json()["team_id"] == str(second.id)


def test_the_bootstrap_key_without_any_team_is_503_no_teams(
    api_client, bootstrap
) -> None:
    response = api_client.get(TEAMS, HTTP_X_API_KEY=bootstrap)

    assert_error(
        response,
        503,
        "NO_TEAMS",
        "No teams exist. Create a team first using the bootstrap key.",
    )


def test_the_bootstrap_key_may_create_the_first_team(api_client, bootstrap) -> None:
    response = api_client.post(
        TEAMS, {"name": "Platform"}, format="json", HTTP_X_API_KEY=bootstrap
    )

    assert response.status_code == 201, response.content
    assert Team.objects.get().name == "Platform"


def test_the_bootstrap_key_may_create_teams_when_teams_exist(
    api_client, bootstrap, team
) -> None:
    response = api_client.post(
        TEAMS, {"name": "Another"}, format="json", HTTP_X_API_KEY=bootstrap
    )

    assert response.status_code == 201


def test_without_bootstrap_api_key_no_token_is_the_bootstrap_key(
    api_client, team
) -> None:
    response = api_client.get(TEAMS, HTTP_X_API_KEY="guide-bootstrap-key")

    assert_error(response, 401, "INVALID_API_KEY", INVALID)


# --- AUTH_DISABLED (API.md 2.2) ---------------------------------------------------------


@pytest.fixture
def auth_disabled(settings) -> None:
    settings.AUTH_DISABLED = True


def test_with_auth_disabled_no_credential_is_needed(
    api_client, auth_disabled, team
) -> None:
    assert api_client.get("/api/v1/audit/events").status_code == 200


def test_with_auth_disabled_a_malformed_header_is_ignored(
    api_client, auth_disabled, team
) -> None:
    assert api_client.get(TEAMS, HTTP_AUTHORIZATION="Basic nonsense").status_code == 200


def test_with_auth_disabled_an_empty_database_still_answers(
    api_client, auth_disabled
) -> None:
    response = api_client.get(TEAMS)

    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_with_auth_disabled_teams_are_created_without_credentials(
    api_client, auth_disabled
) -> None:
    assert api_client.post(TEAMS, {"name": "Dev"}, format="json").status_code == 201


# --- Staff sessions (the browsable API) -------------------------------------------------


def test_a_staff_session_authenticates_with_every_scope(team) -> None:
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    client = APIClient()
    client.force_login(staff)

    assert client.get("/api/v1/audit/events").status_code == 200


def test_a_session_of_a_non_staff_user_does_not_authenticate(team) -> None:
    user = get_user_model().objects.create_user("someone", password="pw")
    client = APIClient()
    client.force_login(user)

    assert_error(client.get(TEAMS), 401, "MISSING_API_KEY", MISSING)
