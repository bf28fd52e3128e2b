"""The admin of teams and API keys: staff pages that write through the services."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client

from audit.models import Event
from conftest import SYSTEM
from teams import keys, services
from teams.models import ApiKey, Team

pytestmark = pytest.mark.django_db

TEAMS = "/admin/teams/team/"
KEYS = "/admin/teams/apikey/"


@pytest.fixture
def staff() -> Client:
    """A browser logged into the admin as a superuser, through the login form."""
    get_user_model().objects.create_superuser("ops", "ops@example.com", "correct horse")
    client = Client()
    response = client.post(
        "/admin/login/",
        {"username": "ops", "password": "correct horse", "next": "/admin/"},
    )
    assert response.status_code == 302, response.content
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_admin_needs_a_staff_login() -> None:
    response = Client().get(TEAMS)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_index_lists_the_models(staff) -> None:
    page = staff.get("/admin/").content.decode()

    assert TEAMS in page
    assert KEYS in page
    assert "/admin/audit/event/" in page


def test_admin_answers_at_the_slash_less_path(staff) -> None:
    assert staff.get("/admin")["Location"] == "/admin/"


# --- Teams ------------------------------------------------------------------------------


def test_the_team_changelist_renders(staff, make_team) -> None:
    make_team("Analytics")

    response = staff.get(TEAMS)

    assert response.status_code == 200
    assert "Analytics" in response.content.decode()


def test_the_deleted_filter_shows_soft_deleted_teams(staff, make_team) -> None:
    services.delete_team(team=make_team("Gone"), actor=SYSTEM)
    make_team("Here")

    deleted = staff.get(TEAMS, {"deleted": "yes"}).content.decode()
    alive = staff.get(TEAMS, {"deleted": "no"}).content.decode()

    assert "Gone" in deleted
    assert "Here" not in deleted
    assert "Here" in alive
    assert "Gone" not in alive


def test_a_team_added_in_the_admin_goes_through_the_service(staff) -> None:
    response = staff.post(
        f"{TEAMS}add/", {"name": "  Via Admin ", "metadata": '{"a": 1}'}
    )

    assert response.status_code == 302, response.content
    team = Team.objects.get(name="Via Admin")
    assert team.metadata == {"a": 1}
    event = Event.objects.get(action="team.created", entity_id=team.id)
    assert event.actor_id is None


def test_the_admin_applies_the_api_rules_to_team_names(staff) -> None:
    response = staff.post(f"{TEAMS}add/", {"name": "-bad-", "metadata": "{}"})

    assert response.status_code == 200
    assert "must start and end with a letter or digit" in response.content.decode()
    assert not Team.objects.exists()


def test_a_team_changed_in_the_admin_is_audited(staff, make_team) -> None:
    team = make_team("Before")

    response = staff.post(
        f"{TEAMS}{team.id}/change/", {"name": "After", "metadata": "{}"}
    )

    assert response.status_code == 302, response.content
    team.refresh_from_db()
    assert team.name == "After"
    event = Event.objects.get(action="team.updated", entity_id=team.id)
    assert event.payload["changes"]["name"] == {"old": "Before", "new": "After"}


def test_deleting_a_team_in_the_admin_is_a_soft_delete(
    staff, make_team, make_key
) -> None:
    team = make_team("Victim")
    make_key(team)  # a PROTECT relation: a hard delete would be refused

    confirm = staff.get(f"{TEAMS}{team.id}/delete/")
    response = staff.post(f"{TEAMS}{team.id}/delete/", {"post": "yes"})

    assert confirm.status_code == 200
    assert "protected" not in confirm.content.decode().lower()
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.deleted_at is not None
    assert Event.objects.filter(action="team.deleted", entity_id=team.id).exists()


def test_the_bulk_delete_action_soft_deletes(staff, make_team) -> None:
    first, second = make_team("One"), make_team("Two")

    response = staff.post(
        TEAMS,
        {
            "action": "delete_selected",
            "_selected_action": [first.id, second.id],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert Team.objects.filter(deleted_at__isnull=False).count() == 2
    assert Event.objects.filter(action="team.deleted").count() == 2


def test_the_restore_action_goes_through_the_service(staff, make_team) -> None:
    gone = make_team("Gone")
    alive = make_team("Alive")
    services.delete_team(team=gone, actor=SYSTEM)

    response = staff.post(
        TEAMS,
        {"action": "restore_teams", "_selected_action": [gone.id, alive.id]},
        follow=True,
    )

    gone.refresh_from_db()
    assert gone.deleted_at is None
    event = Event.objects.get(action="team.restored")
    assert event.entity_id == gone.id
    assert "Restored 1 team(s)." in messages_of(response) or "Restored 1 team(s)." in (
        response.content.decode()
    )


# --- API keys ---------------------------------------------------------------------------


def test_the_key_changelist_renders_without_hashes(staff, make_key, team) -> None:
    key, raw = make_key(team)

    page = staff.get(KEYS).content.decode()

    assert key.key_prefix in page
    assert key.key_hash not in page
    assert raw not in page


def test_a_keys_page_is_read_only_and_shows_no_hash(staff, make_key, team) -> None:
    key, _ = make_key(team)

    page = staff.get(f"{KEYS}{key.id}/change/").content.decode()

    assert key.key_prefix in page
    assert key.key_hash not in page
    assert "key_hash" not in page
    assert 'name="_save"' not in page


def test_a_key_created_in_the_admin_shows_the_raw_key_once(
    staff, team, api_client
) -> None:
    response = staff.post(
        f"{KEYS}add/",
        {"team": team.id, "name": "from admin", "scopes": ["read", "admin"]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    shown = re.findall(r"tess_live_[0-9a-f]{64}", page)
    assert len(set(shown)) == 1
    raw = shown[0]
    key = ApiKey.objects.get()
    assert (key.name, key.team, key.scopes) == ("from admin", team, ["read", "admin"])
    assert key.key_hash == keys.digest(raw)
    assert Event.objects.filter(action="api_key.created", entity_id=key.id).exists()
    # The next page no longer shows it, and the key works.
    assert raw not in staff.get(KEYS).content.decode()
    assert api_client.get("/api/v1/teams", HTTP_X_API_KEY=raw).status_code == 200


def test_the_add_form_offers_only_live_teams(staff, make_team) -> None:
    services.delete_team(team=make_team("Gone"), actor=SYSTEM)
    make_team("Alive")

    page = staff.get(f"{KEYS}add/").content.decode()

    assert "Alive" in page
    assert "Gone" not in page


def test_the_revoke_action_goes_through_the_service(staff, make_key, team) -> None:
    key, _ = make_key(team)

    response = staff.post(KEYS, {"action": "revoke_keys", "_selected_action": [key.id]})

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Event.objects.filter(action="api_key.revoked", entity_id=key.id).exists()


def test_keys_cannot_be_deleted_in_the_admin(staff, make_key, team) -> None:
    key, _ = make_key(team)

    assert staff.post(f"{KEYS}{key.id}/delete/", {"post": "yes"}).status_code == 403
    assert ApiKey.objects.filter(pk=key.pk).exists()


def test_a_non_staff_user_cannot_use_the_admin(make_key, team) -> None:
    get_user_model().objects.create_user("someone", password="pw")
    client = Client()
    client.login(username="someone", password="pw")

    assert client.get(KEYS).status_code == 302
