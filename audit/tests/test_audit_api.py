"""Audit endpoints (API.md 5.10): admin scope, newest first, fixed 50/100 pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from audit.models import Event
from audit.services import record_event
from teams import keys
from teams.models import ApiKey, Team
from tessera.tests.envelope import assert_error, assert_validation_error

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events"
EVENT_FIELDS = {
    "id",
    "entity_type",
    "entity_id",
    "action",
    "actor_id",
    "payload",
    "occurred_at",
}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def history_url(entity_type: str, entity_id: object) -> str:
    return f"/api/v1/audit/entities/{entity_type}/{entity_id}/history"


def event_at(moment: datetime, **fields: object) -> Event:
    values: dict[str, object] = {
        "action": "thing.happened",
        "entity_type": "thing",
        "entity_id": uuid.uuid4(),
        "actor_id": None,
        "payload": {},
    }
    values.update(fields)
    with time_machine.travel(moment, tick=False):
        return record_event(**values)  # type: ignore[arg-type]


@pytest.fixture
def admin_client() -> APIClient:
    """An admin key created straight in the database, so the log starts empty."""
    raw = keys.generate_key()
    team = Team.objects.create(name="Auditors")
    ApiKey.objects.create(
        key_hash=keys.digest(raw),
        key_prefix=raw[:14],
        name="admin",
        team=team,
        scopes=["admin"],
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


# --- GET /audit/events ------------------------------------------------------------------


def test_events_are_listed_newest_first_in_a_page(admin_client) -> None:
    old = event_at(T0)
    new = event_at(T0 + timedelta(minutes=1))

    body = admin_client.get(EVENTS).json()

    assert set(body) == {"results", "total", "limit", "offset"}
    assert [e["id"] for e in body["results"]] == [str(new.id), str(old.id)]
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)
    assert set(body["results"][0]) == EVENT_FIELDS


def test_events_at_the_same_instant_are_ordered_by_id(admin_client) -> None:
    events = [event_at(T0) for _ in range(5)]

    listed = [e["id"] for e in admin_client.get(EVENTS).json()["results"]]

    assert listed == sorted((str(e.id) for e in events), reverse=True)


def test_an_event_renders_every_field(admin_client) -> None:
    actor = uuid.uuid4()
    event = event_at(T0, actor_id=actor, payload={"version": "1.0.0"})

    assert admin_client.get(EVENTS).json()["results"][0] == {
        "id": str(event.id),
        "entity_type": "thing",
        "entity_id": str(event.entity_id),
        "action": "thing.happened",
        "actor_id": str(actor),
        "payload": {"version": "1.0.0"},
        "occurred_at": "2026-03-01T12:00:00Z",
    }


@pytest.mark.parametrize("field", ["entity_type", "action"])
def test_text_filters_are_exact(admin_client, field) -> None:
    wanted = event_at(T0, **{field: "contract.published"})
    event_at(T0, **{field: "contract.published.again"})

    body = admin_client.get(EVENTS, {field: "contract.published"}).json()

    assert [e["id"] for e in body["results"]] == [str(wanted.id)]
    assert body["total"] == 1


@pytest.mark.parametrize("field", ["entity_id", "actor_id"])
def test_id_filters_match_one_id(admin_client, field) -> None:
    target = uuid.uuid4()
    wanted = event_at(T0, **{field: target})
    event_at(T0)

    body = admin_client.get(EVENTS, {field: str(target)}).json()

    assert [e["id"] for e in body["results"]] == [str(wanted.id)]


def test_from_and_to_are_inclusive_bounds(admin_client) -> None:
    before = event_at(T0 - timedelta(seconds=1))
    start = event_at(T0)
    end = event_at(T0 + timedelta(hours=1))
    after = event_at(T0 + timedelta(hours=1, seconds=1))

    body = admin_client.get(
        EVENTS, {"from": "2026-03-01T12:00:00Z", "to": "2026-03-01T13:00:00+00:00"}
    ).json()

    listed = {e["id"] for e in body["results"]}
    assert listed == {str(start.id), str(end.id)}
    assert str(before.id) not in listed
    assert str(after.id) not in listed


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"from": "yesterday"}, ("query", "from"), "datetime_parsing"),
        ({"to": "2026-13-01"}, ("query", "to"), "datetime_parsing"),
        ({"entity_id": "x"}, ("query", "entity_id"), "uuid_parsing"),
        ({"actor_id": "x"}, ("query", "actor_id"), "uuid_parsing"),
        ({"limit": 0}, ("query", "limit"), "greater_than_equal"),
        ({"limit": 101}, ("query", "limit"), "less_than_equal"),
        ({"offset": -1}, ("query", "offset"), "greater_than_equal"),
    ],
)
def test_bad_parameters_are_422(admin_client, params, loc, kind) -> None:
    detail = assert_validation_error(admin_client.get(EVENTS, params), loc)

    assert detail[0]["type"] == kind


def test_audit_pages_are_fixed_at_50_and_100_whatever_the_settings(
    admin_client, settings
) -> None:
    settings.PAGINATION_LIMIT_DEFAULT = 2
    settings.PAGINATION_LIMIT_MAX = 3
    for minute in range(60):
        event_at(T0 + timedelta(minutes=minute))

    assert admin_client.get(EVENTS).json()["limit"] == 50
    assert len(admin_client.get(EVENTS).json()["results"]) == 50
    assert admin_client.get(EVENTS, {"limit": 100}).json()["limit"] == 100


def test_events_are_paged_with_limit_and_offset(admin_client) -> None:
    events = [event_at(T0 + timedelta(minutes=m)) for m in range(5)]

    body = admin_client.get(EVENTS, {"limit": 2, "offset": 1}).json()

    assert [e["id"] for e in body["results"]] == [str(events[3].id), str(events[2].id)]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)


def test_listing_takes_a_constant_number_of_queries(
    admin_client, django_assert_num_queries
) -> None:
    for minute in range(20):
        event_at(T0 + timedelta(minutes=minute))
    admin_client.get(EVENTS)

    # Savepoint, key lookup, count, rows, release.
    with django_assert_num_queries(5):
        admin_client.get(EVENTS)


def test_the_audit_log_needs_the_admin_scope(writer_client) -> None:
    response = writer_client.get(EVENTS)

    assert_error(
        response, 403, "INSUFFICIENT_SCOPE", "This operation requires the 'admin' scope"
    )


def test_the_audit_log_needs_a_credential(api_client) -> None:
    assert_error(api_client.get(EVENTS), 401, "MISSING_API_KEY")


# --- GET /audit/events/{id} -------------------------------------------------------------


def test_an_event_is_read_by_id(admin_client) -> None:
    event = event_at(T0)

    body = admin_client.get(f"{EVENTS}/{event.id}").json()

    assert set(body) == EVENT_FIELDS
    assert body["id"] == str(event.id)


def test_an_unknown_event_is_404(admin_client) -> None:
    missing = uuid.uuid4()

    assert_error(
        admin_client.get(f"{EVENTS}/{missing}"),
        404,
        "NOT_FOUND",
        f"Audit event with ID '{missing}' not found",
    )


def test_a_malformed_event_id_is_422(admin_client) -> None:
    detail = assert_validation_error(
        admin_client.get(f"{EVENTS}/x"), ("path", "event_id")
    )

    assert detail[0]["type"] == "uuid_parsing"


def test_reading_an_event_needs_the_admin_scope(writer_client) -> None:
    event = event_at(T0)

    assert_error(writer_client.get(f"{EVENTS}/{event.id}"), 403, "INSUFFICIENT_SCOPE")


# --- GET /audit/entities/{type}/{id}/history --------------------------------------------


def test_an_entitys_history_is_newest_first(admin_client) -> None:
    entity = uuid.uuid4()
    first = event_at(T0, entity_type="contract", entity_id=entity)
    second = event_at(
        T0 + timedelta(minutes=1), entity_type="contract", entity_id=entity
    )
    event_at(T0, entity_type="proposal", entity_id=entity)
    event_at(T0, entity_type="contract")

    body = admin_client.get(history_url("contract", entity)).json()

    assert [e["id"] for e in body["results"]] == [str(second.id), str(first.id)]
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)


def test_an_entity_without_events_has_an_empty_history(admin_client) -> None:
    body = admin_client.get(history_url("contract", uuid.uuid4())).json()

    assert body == {"results": [], "total": 0, "limit": 50, "offset": 0}


def test_the_history_is_paged(admin_client) -> None:
    entity = uuid.uuid4()
    for minute in range(3):
        event_at(
            T0 + timedelta(minutes=minute), entity_type="api_key", entity_id=entity
        )

    body = admin_client.get(
        history_url("api_key", entity), {"limit": 1, "offset": 2}
    ).json()

    assert (len(body["results"]), body["total"], body["limit"], body["offset"]) == (
        1,
        3,
        1,
        2,
    )
    assert_validation_error(
        admin_client.get(history_url("api_key", entity), {"limit": 101}),
        ("query", "limit"),
    )


def test_a_malformed_entity_id_is_422(admin_client) -> None:
    detail = assert_validation_error(
        admin_client.get(history_url("contract", "nope")), ("path", "entity_id")
    )

    assert detail[0]["type"] == "uuid_parsing"


def test_the_history_needs_the_admin_scope(writer_client) -> None:
    response = writer_client.get(history_url("contract", uuid.uuid4()))

    assert_error(response, 403, "INSUFFICIENT_SCOPE")


def test_the_api_writes_audit_events_in_the_request(admin_client) -> None:
    key_id = admin_client.post("/api/v1/api-keys", {"name": "ci"}).json()["id"]

    body = admin_client.get(history_url("api_key", key_id)).json()

    assert [e["action"] for e in body["results"]] == ["api_key.created"]
    assert body["results"][0]["actor_id"] == str(Team.objects.get(name="Auditors").id)
