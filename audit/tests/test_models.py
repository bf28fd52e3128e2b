"""The audit log is append-only: the application refuses changes on every database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection

from audit.models import AppendOnlyError, Event
from audit.services import record_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> Event:
    return record_event(
        action="thing.happened",
        entity_type="thing",
        entity_id=uuid.uuid4(),
        actor_id=None,
    )


def test_record_event_appends_an_event() -> None:
    entity, actor = uuid.uuid4(), uuid.uuid4()

    event = record_event(
        action="contract.published",
        entity_type="contract",
        entity_id=entity,
        actor_id=actor,
        payload={"version": "1.0.0"},
    )

    stored = Event.objects.get(pk=event.pk)
    assert (stored.action, stored.entity_type) == ("contract.published", "contract")
    assert (stored.entity_id, stored.actor_id) == (entity, actor)
    assert stored.payload == {"version": "1.0.0"}
    assert stored.occurred_at is not None


def test_payload_values_are_stored_as_json_text() -> None:
    related = uuid.uuid4()
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    event = record_event(
        action="a",
        entity_type="t",
        entity_id=uuid.uuid4(),
        actor_id=None,
        payload={"team_id": related, "at": moment},
    )

    assert Event.objects.get(pk=event.pk).payload == {
        "team_id": str(related),
        "at": "2026-01-02T03:04:05Z",
    }


def test_an_event_cannot_be_saved_again(event) -> None:
    event.action = "rewritten"

    with pytest.raises(AppendOnlyError):
        event.save()


def test_an_event_cannot_be_deleted(event) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_events_cannot_be_updated_in_bulk(event) -> None:
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(action="rewritten")


def test_events_cannot_be_deleted_in_bulk(event) -> None:
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()

    assert Event.objects.filter(pk=event.pk).exists()


def test_no_foreign_key_points_from_the_audit_table() -> None:
    # Plain ids, not foreign keys: no cascade can reach an event, and events outlive
    # the rows they describe.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, Event._meta.db_table
        )

    assert not [name for name, c in constraints.items() if c["foreign_key"]]
    assert not [f for f in Event._meta.get_fields() if f.is_relation]
