"""manage.py bootstrap, create_api_key and revoke_api_key."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import Event
from conftest import SYSTEM
from teams import keys, services
from teams.models import ApiKey, Team

pytestmark = pytest.mark.django_db

KEY = re.compile(r"tess_live_[0-9a-f]{64}")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- bootstrap --------------------------------------------------------------------------


def test_bootstrap_creates_a_team_and_an_admin_key_and_prints_the_key_once() -> None:
    out, err = run("bootstrap")

    team = Team.objects.get()
    key = ApiKey.objects.get()
    raw = out.strip()
    assert KEY.fullmatch(raw)
    assert raw not in err
    assert team.name == "Platform"
    assert (key.team, key.name, key.scopes) == (
        team,
        "admin",
        ["read", "write", "admin"],
    )
    assert key.key_hash == keys.digest(raw)
    assert "printed once" in err


def test_bootstrap_takes_the_team_and_key_names() -> None:
    run("bootstrap", "--team", "Data Platform", "--key-name", "root")

    assert ApiKey.objects.get().name == "root"
    assert Team.objects.get().name == "Data Platform"


def test_bootstrap_is_audited_as_the_command() -> None:
    run("bootstrap")

    actions = sorted(Event.objects.values_list("action", flat=True))
    assert actions == ["api_key.created", "team.created"]
    assert set(Event.objects.values_list("actor_id", flat=True)) == {None}


def test_the_bootstrap_key_authenticates_as_an_admin(api_client) -> None:
    raw = run("bootstrap")[0].strip()

    assert api_client.get("/api/v1/audit/events", HTTP_X_API_KEY=raw).status_code == 200


def test_bootstrap_creates_nothing_when_teams_exist_and_says_what_to_do(team) -> None:
    out, err = run("bootstrap")

    assert out == ""
    assert "nothing was created" in err
    assert "create_api_key" in err
    assert ApiKey.objects.count() == 0
    assert Team.objects.count() == 1


def test_running_bootstrap_twice_creates_one_team_and_one_key() -> None:
    run("bootstrap")
    run("bootstrap")

    assert (Team.objects.count(), ApiKey.objects.count()) == (1, 1)


# --- create_api_key ---------------------------------------------------------------------


def test_create_api_key_by_team_name_prints_the_key(team, api_client) -> None:
    out, err = run("create_api_key", "--team", "Producers", "--name", "ci")

    raw = out.strip()
    key = ApiKey.objects.get()
    assert KEY.fullmatch(raw)
    assert (key.team, key.name, key.scopes) == (team, "ci", ["read", "write"])
    assert raw not in err
    assert api_client.get("/api/v1/teams", HTTP_X_API_KEY=raw).status_code == 200


def test_create_api_key_by_team_id_with_scopes(team) -> None:
    run(
        "create_api_key",
        "--team",
        str(team.id),
        "--name",
        "ops",
        "--scopes",
        "read",
        "admin",
    )

    assert ApiKey.objects.get().scopes == ["read", "admin"]


def test_create_api_key_with_no_scope(team) -> None:
    run("create_api_key", "--team", "Producers", "--name", "bare", "--scopes")

    assert ApiKey.objects.get().scopes == []


def test_create_api_key_with_an_expiry(team) -> None:
    run(
        "create_api_key",
        "--team",
        "Producers",
        "--name",
        "t",
        "--expires-at",
        "2031-05-01T12:00",
    )

    assert ApiKey.objects.get().expires_at == datetime(2031, 5, 1, 12, 0, tzinfo=UTC)


def test_create_api_key_is_audited(team) -> None:
    run("create_api_key", "--team", "Producers", "--name", "ci", "--scopes", "read")

    event = Event.objects.get(action="api_key.created")
    assert event.payload == {"name": "ci", "team_id": str(team.id), "scopes": ["read"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Nobody", "--name", "ci"], "Team 'Nobody' not found"),
        (["--team", "Producers", "--name", "ci", "--expires-at", "soon"], "ISO 8601"),
        (
            ["--team", "Producers", "--name", "ci", "--expires-at", "2001-01-01"],
            "in the past",
        ),
        (["--team", "Producers", "--name", ""], "1 to 255 characters"),
    ],
)
def test_create_api_key_refuses_bad_input(team, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run("create_api_key", *args)

    assert ApiKey.objects.count() == 0


def test_create_api_key_refuses_a_soft_deleted_team(team) -> None:
    services.delete_team(team=team, actor=SYSTEM)

    with pytest.raises(CommandError, match="not found"):
        run("create_api_key", "--team", "Producers", "--name", "ci")


def test_create_api_key_refuses_an_unknown_scope(team) -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_api_key", "--team", "Producers", "--name", "ci", "--scopes", "root")


# --- revoke_api_key ---------------------------------------------------------------------


def test_revoke_api_key_revokes_and_is_audited(make_key, team) -> None:
    key, _ = make_key(team)

    out, _ = run("revoke_api_key", str(key.id))

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "revoked" in out
    assert Event.objects.filter(action="api_key.revoked", entity_id=key.id).count() == 1


def test_revoking_a_revoked_key_says_so_and_keeps_the_first_time(
    make_key, team
) -> None:
    key, _ = make_key(team)
    first = services.revoke_api_key(key=key, actor=SYSTEM).revoked_at

    out, _ = run("revoke_api_key", str(key.id))

    key.refresh_from_db()
    assert "already revoked" in out
    assert key.revoked_at == first


@pytest.mark.parametrize(
    ("key_id", "message"),
    [
        ("not-a-uuid", "is not a key id"),
        ("6f1c9a36-4f31-4c53-9b2f-5ad0c9f0b0a1", "not found"),
    ],
)
def test_revoke_api_key_refuses_an_unknown_key(key_id, message) -> None:
    with pytest.raises(CommandError, match=message):
        run("revoke_api_key", key_id)


def test_time_is_utc_in_the_revocation_message(make_key, team) -> None:
    key, _ = make_key(team)

    out, _ = run("revoke_api_key", str(key.id))

    assert timezone.now().strftime("%Y-%m-%dT") in out
    assert "+00:00" in out
