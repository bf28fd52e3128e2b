"""The audit log's admin: it lists and shows events, and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from audit.models import Event

pytestmark = pytest.mark.django_db

EVENTS = "/admin/audit/event/"


@pytest.fixture
def staff() -> Client:
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def event(team) -> Event:  # the ``team`` fixture's creation is audited
    return Event.objects.get(action="team.created", entity_id=team.id)


def test_the_event_changelist_renders(staff, event) -> None:
    response = staff.get(EVENTS)

    assert response.status_code == 200
    assert "team.created" in response.content.decode()


def test_events_are_searchable_and_filterable(staff, event) -> None:
    assert (
        str(event.entity_id)
        in staff.get(EVENTS, {"q": str(event.entity_id)}).content.decode()
    )
    assert staff.get(EVENTS, {"action": "team.created"}).status_code == 200
    assert "0 events" in staff.get(EVENTS, {"q": "nothing-matches"}).content.decode()


def test_an_event_page_is_read_only(staff, event) -> None:
    page = staff.get(f"{EVENTS}{event.id}/change/").content.decode()

    assert "team.created" in page
    assert 'name="_save"' not in page


def test_events_cannot_be_added(staff) -> None:
    assert staff.get(f"{EVENTS}add/").status_code == 403


def test_events_cannot_be_changed(staff, event) -> None:
    staff.post(f"{EVENTS}{event.id}/change/", {"action": "forged"})

    event.refresh_from_db()
    assert event.action == "team.created"


def test_events_cannot_be_deleted(staff, event) -> None:
    assert staff.post(f"{EVENTS}{event.id}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_there_is_no_bulk_delete_action(staff, event) -> None:
    assert "delete_selected" not in staff.get(EVENTS).content.decode()
