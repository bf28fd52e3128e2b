"""Registrations over HTTP (API.md 5.4, WORKFLOWS.md 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Event
from contracts.models import Registration
from contracts.tests.factories import make_asset, make_contract, make_registration

pytestmark = pytest.mark.django_db

MISSING_ID = "00000000-0000-0000-0000-00000000abcd"


@pytest.fixture
def contract(team):
    return make_contract(make_asset(team, fqn="warehouse.orders"))


@pytest.fixture
def consumer(client_for, other_team):
    client = client_for(other_team)
    client.get("/api/v1/registrations")  # the key's first use records last_used_at
    return client


def register(client: Any, contract: Any, team: Any, **body: Any) -> Any:
    return client.post(
        f"/api/v1/registrations?contract_id={contract.id}",
        {"consumer_team_id": str(team.id), **body},
        format="json",
    )


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# --- POST /registrations --------------------------------------------------------------------


def test_a_consumer_registers_on_a_contract(consumer, contract, other_team):
    response = register(consumer, contract, other_team, pinned_version="1.0.0")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "contract_id",
        "consumer_team_id",
        "pinned_version",
        "status",
        "registered_at",
        "acknowledged_at",
    }
    assert body["contract_id"] == str(contract.id)
    assert body["consumer_team_id"] == str(other_team.id)
    assert (body["pinned_version"], body["status"], body["acknowledged_at"]) == (
        "1.0.0",
        "active",
        None,
    )
    event = Event.objects.get(action="registration.created")
    assert (str(event.entity_id), event.actor_id) == (body["id"], other_team.id)
    assert event.payload == {
        "contract_id": str(contract.id),
        "consumer_team_id": str(other_team.id),
        "pinned_version": "1.0.0",
    }


def test_registering_twice_makes_two_rows(consumer, contract, other_team):
    register(consumer, contract, other_team)
    register(consumer, contract, other_team)

    assert (
        Registration.objects.filter(contract=contract, consumer_team=other_team).count()
        == 2
    )


def test_deprecated_contracts_accept_registrations(consumer, team, other_team):
    contract = make_contract(make_asset(team), status="deprecated")

    assert register(consumer, contract, other_team).status_code == 201


def test_registering_for_another_team_is_403_before_the_contract_lookup(consumer, team):
    response = consumer.post(
        f"/api/v1/registrations?contract_id={MISSING_ID}",
        {"consumer_team_id": str(team.id)},
        format="json",
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_PERMISSIONS"
    assert (
        error_of(response)["message"]
        == "You can only register for contracts on behalf of your own team"
    )


def test_an_unknown_contract_is_404(consumer, other_team):
    response = consumer.post(
        f"/api/v1/registrations?contract_id={MISSING_ID}",
        {"consumer_team_id": str(other_team.id)},
        format="json",
    )

    assert response.status_code == 404
    assert (error_of(response)["code"], error_of(response)["message"]) == (
        "NOT_FOUND",
        "Contract not found",
    )


@pytest.mark.parametrize("deleted", [True, False])
def test_the_consumer_team_must_exist(client_for, make_team, contract, deleted):
    admin = client_for(make_team("Platform"), ["admin"])
    team_id = MISSING_ID
    if deleted:
        gone = make_team("Gone")
        gone.deleted_at = timezone.now()
        gone.save()
        team_id = str(gone.id)

    response = admin.post(
        f"/api/v1/registrations?contract_id={contract.id}",
        {"consumer_team_id": team_id},
        format="json",
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Consumer team not found"


def test_admins_register_any_team(client_for, make_team, contract, other_team):
    admin = client_for(make_team("Platform"), ["admin"])

    assert register(admin, contract, other_team).status_code == 201


@pytest.mark.parametrize(
    "pin", ["1.0", "v1.0.0", "1.0.0-beta", "1.0.0+build", "latest"]
)
def test_pins_must_be_plain_x_y_z(consumer, contract, other_team, pin):
    response = register(consumer, contract, other_team, pinned_version=pin)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "pinned_version"]


def test_a_null_pin_is_fine(consumer, contract, other_team):
    response = register(consumer, contract, other_team, pinned_version=None)

    assert response.json()["pinned_version"] is None


def test_contract_id_is_required(consumer, other_team):
    response = consumer.post(
        "/api/v1/registrations", {"consumer_team_id": str(other_team.id)}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "missing",
            "loc": ["query", "contract_id"],
            "msg": "Field required",
            "input": None,
        }
    ]


def test_a_malformed_contract_id_is_422(consumer, other_team):
    response = consumer.post(
        "/api/v1/registrations?contract_id=nope",
        {"consumer_team_id": str(other_team.id)},
        format="json",
    )

    assert response.json()["detail"][0]["type"] == "uuid_parsing"


def test_the_body_is_validated(consumer, contract):
    response = consumer.post(
        f"/api/v1/registrations?contract_id={contract.id}", {}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "consumer_team_id"]


def test_registering_needs_the_write_scope(client_for, other_team, contract):
    response = register(client_for(other_team, ["read"]), contract, other_team)

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_SCOPE"


# --- EXT-4: by asset ---------------------------------------------------------------------


def test_registering_by_asset_uses_its_current_contract(consumer, team, other_team):
    asset = make_asset(team)
    make_contract(asset, "1.0.0", published_at=timezone.now() - timedelta(days=1))
    current = make_contract(asset, "1.1.0")
    make_contract(asset, "0.9.0", status="deprecated")

    response = consumer.post(
        "/api/v1/registrations",
        {"asset_id": str(asset.id), "consumer_team_id": str(other_team.id)},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["contract_id"] == str(current.id)


def test_an_asset_without_an_active_contract_is_404(consumer, team, other_team):
    asset = make_asset(team)
    make_contract(asset, status="deprecated")

    response = consumer.post(
        "/api/v1/registrations",
        {"asset_id": str(asset.id), "consumer_team_id": str(other_team.id)},
        format="json",
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Contract not found"


def test_the_contract_id_query_wins_over_the_body_asset(
    consumer, contract, team, other_team
):
    elsewhere = make_contract(make_asset(team))

    response = consumer.post(
        f"/api/v1/registrations?contract_id={contract.id}",
        {"asset_id": str(elsewhere.asset_id), "consumer_team_id": str(other_team.id)},
        format="json",
    )

    assert response.json()["contract_id"] == str(contract.id)


# --- GET /registrations -------------------------------------------------------------------


@pytest.fixture
def registrations(contract, team, other_team, make_team) -> list[Registration]:
    """Three registrations, oldest first."""
    now = timezone.now()
    rows = [
        make_registration(contract, other_team, status="active"),
        make_registration(contract, make_team("Finance"), status="migrating"),
        make_registration(
            make_contract(contract.asset, "2.0.0"), other_team, status="inactive"
        ),
    ]
    for index, row in enumerate(rows):
        row.registered_at = now - timedelta(minutes=10 - index)
        row.save()
    return rows


def test_registrations_are_listed_newest_first(consumer, registrations):
    response = consumer.get("/api/v1/registrations")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [
        str(row.id) for row in reversed(registrations)
    ]
    assert response.json()["total"] == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [("status=migrating", [1]), ("status=active", [0])],
)
def test_registrations_filter_by_status(consumer, registrations, query, expected):
    response = consumer.get(f"/api/v1/registrations?{query}")

    assert [row["id"] for row in response.json()["results"]] == [
        str(registrations[i].id) for i in expected
    ]


def test_registrations_filter_by_team_and_contract(
    consumer, registrations, other_team, contract
):
    by_team = consumer.get(f"/api/v1/registrations?consumer_team_id={other_team.id}")
    by_both = consumer.get(
        f"/api/v1/registrations?consumer_team_id={other_team.id}&contract_id={contract.id}"
    )

    assert by_team.json()["total"] == 2
    assert [row["id"] for row in by_both.json()["results"]] == [
        str(registrations[0].id)
    ]


def test_a_bad_status_filter_is_422(consumer):
    assert consumer.get("/api/v1/registrations?status=gone").status_code == 422


def test_listing_registrations_takes_constant_queries(
    consumer, registrations, django_assert_num_queries
):
    # key, savepoint pair, count, page
    with django_assert_num_queries(5):
        consumer.get("/api/v1/registrations?status=active")


# --- GET /registrations/{id} ---------------------------------------------------------------


def test_a_registration_is_shown(consumer, registrations):
    response = consumer.get(f"/api/v1/registrations/{registrations[1].id}")

    assert response.status_code == 200
    assert response.json()["status"] == "migrating"


def test_an_unknown_registration_is_404(consumer):
    response = consumer.get(f"/api/v1/registrations/{MISSING_ID}")

    assert response.status_code == 404
    assert error_of(response)["message"] == "Registration not found"


# --- PATCH /registrations/{id} --------------------------------------------------------------


def test_a_consumer_updates_its_registration(consumer, registrations):
    registration = registrations[0]

    response = consumer.patch(
        f"/api/v1/registrations/{registration.id}",
        {"pinned_version": "2.1.0", "status": "migrating"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["pinned_version"], response.json()["status"]) == (
        "2.1.0",
        "migrating",
    )
    registration.refresh_from_db()
    assert (registration.pinned_version, registration.status) == ("2.1.0", "migrating")
    event = Event.objects.get(action="registration.updated")
    assert event.payload == {
        "changes": {
            "pinned_version": {"old": None, "new": "2.1.0"},
            "status": {"old": "active", "new": "migrating"},
        }
    }


def test_null_and_absent_fields_are_left_unchanged(consumer, contract, other_team):
    registration = make_registration(contract, other_team, pinned_version="1.0.0")

    response = consumer.patch(
        f"/api/v1/registrations/{registration.id}",
        {"pinned_version": None},
        format="json",
    )

    assert response.json()["pinned_version"] == "1.0.0"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"pinned_version": "1.0.0-rc1"}, ["body", "pinned_version"]),
        ({"pinned_version": "not-a-version"}, ["body", "pinned_version"]),
        ({"status": "paused"}, ["body", "status"]),
    ],
)
def test_updates_are_validated(consumer, registrations, body, loc):
    # The reference saved nothing and answered 500 for a bad pin; this is a 422.
    response = consumer.patch(
        f"/api/v1/registrations/{registrations[0].id}", body, format="json"
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_updating_an_unknown_registration_is_404(consumer):
    response = consumer.patch(
        f"/api/v1/registrations/{MISSING_ID}", {"status": "inactive"}, format="json"
    )

    assert response.status_code == 404


def test_updating_another_teams_registration_is_403(writer_client, registrations):
    response = writer_client.patch(
        f"/api/v1/registrations/{registrations[0].id}",
        {"status": "inactive"},
        format="json",
    )

    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "You can only update registrations belonging to your team"
    )


# --- DELETE /registrations/{id} -------------------------------------------------------------


def test_a_consumer_deletes_its_registration(consumer, registrations, other_team):
    registration = registrations[0]

    response = consumer.delete(f"/api/v1/registrations/{registration.id}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Registration.objects.filter(pk=registration.pk).exists()
    event = Event.objects.get(action="registration.deleted")
    assert (event.entity_id, event.actor_id) == (registration.id, other_team.id)


def test_deleting_another_teams_registration_is_403(writer_client, registrations):
    response = writer_client.delete(f"/api/v1/registrations/{registrations[0].id}")

    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "You can only delete registrations belonging to your team"
    )
    assert Registration.objects.filter(pk=registrations[0].pk).exists()


def test_deleting_an_unknown_registration_is_404(consumer):
    response = consumer.delete(f"/api/v1/registrations/{MISSING_ID}")

    assert response.status_code == 404
    assert error_of(response)["message"] == "Registration not found"
