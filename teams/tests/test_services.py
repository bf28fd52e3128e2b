"""Service functions of teams and API keys: their rules and their audit events."""

from __future__ import annotations

import pytest

from audit.models import Event
from conftest import SYSTEM
from teams import services
from teams.models import ApiKey, Team
from tessera.errors import ConflictError

pytestmark = pytest.mark.django_db


def test_a_team_name_is_unique_even_among_soft_deleted_teams(make_team) -> None:
    services.delete_team(team=make_team("Taken"), actor=SYSTEM)

    with pytest.raises(ConflictError) as error:
        services.create_team(name="Taken", metadata={}, actor=SYSTEM)

    assert error.value.message == "Team with name 'Taken' already exists"
    assert error.value.code == "DUPLICATE_TEAM"


def test_a_rename_onto_a_taken_name_changes_nothing(make_team) -> None:
    first, second = make_team("First"), make_team("Second")

    with pytest.raises(ConflictError):
        services.update_team(team=second, name="First", actor=SYSTEM)

    assert Team.objects.get(pk=second.pk).name == "Second"
    assert first.name == "First"


def test_a_rename_records_the_old_and_new_names(make_team) -> None:
    team = make_team("Old")

    services.update_team(team=team, name="New", actor=SYSTEM)

    event = Event.objects.get(action="team.updated", entity_id=team.id)
    assert event.payload == {"changes": {"name": {"old": "Old", "new": "New"}}}
    assert event.actor_id is None  # the system principal acts for no team


def test_a_soft_delete_keeps_the_teams_keys(make_team, make_key) -> None:
    team = make_team("Doomed")
    key, _ = make_key(team)

    services.delete_team(team=team, actor=SYSTEM)

    assert Team.objects.alive().filter(pk=team.pk).exists() is False
    assert ApiKey.objects.filter(pk=key.pk).exists()
    assert not ApiKey.objects.usable().filter(pk=key.pk).exists()


def test_restoring_a_live_team_records_nothing(make_team) -> None:
    team = make_team("Alive")

    services.restore_team(team=team, actor=SYSTEM)

    assert not Event.objects.filter(action="team.restored").exists()


def test_a_new_key_stores_only_its_digest(make_team) -> None:
    key, raw = services.create_api_key(
        team=make_team("Keyed"), name="ci", scopes=["read"], actor=SYSTEM
    )

    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in (stored.key_hash, stored.key_prefix)
    assert len(stored.key_hash) == 64


def test_revoking_twice_keeps_the_first_time_and_records_both_calls(
    make_team, make_key
) -> None:
    key, _ = make_key(make_team("Keyed"))

    first = services.revoke_api_key(key=key, actor=SYSTEM).revoked_at
    second = services.revoke_api_key(
        key=ApiKey.objects.get(pk=key.pk), actor=SYSTEM
    ).revoked_at

    assert first == second
    assert Event.objects.filter(action="api_key.revoked", entity_id=key.id).count() == 2
