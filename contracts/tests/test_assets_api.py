"""Assets over HTTP (API.md 5.2.1-5.2.7): create, list, search, get, update, delete, restore."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Event
from contracts.models import Asset
from contracts.tests.factories import make_asset
from teams.principal import Principal
from teams.services import delete_team

pytestmark = pytest.mark.django_db

ASSETS = "/api/v1/assets"
SYSTEM = Principal.system("tests")


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "request_id", "timestamp"}
    return body["error"]


def detail_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"]["code"] == "VALIDATION_ERROR"
    return body["detail"]


def warm(client: Any) -> None:
    # The first request of a key records its last use (one UPDATE); later ones do not.
    client.get("/api/v1/teams")


# --- Create -------------------------------------------------------------------------------


def test_creating_an_asset_returns_it_with_the_default_environment(writer_client, team):
    response = writer_client.post(
        ASSETS,
        {
            "fqn": "warehouse.orders",
            "owner_team_id": str(team.id),
            "metadata": {"a": 1},
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "fqn",
        "owner_team_id",
        "environment",
        "metadata",
        "created_at",
    }
    assert body["fqn"] == "warehouse.orders"
    assert body["owner_team_id"] == str(team.id)
    assert body["environment"] == "production"
    assert body["metadata"] == {"a": 1}
    assert Asset.objects.get(pk=body["id"]).fqn == "warehouse.orders"


def test_the_default_environment_is_read_from_settings_at_call_time(
    writer_client, team, settings
):
    settings.DEFAULT_ENVIRONMENT = "staging"

    response = writer_client.post(ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id)})

    assert response.status_code == 201
    assert response.json()["environment"] == "staging"


def test_creating_an_asset_records_an_audit_event(writer_client, team):
    response = writer_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id), "environment": "dev"}
    )

    event = Event.objects.get(action="asset.created")
    assert event.entity_type == "asset"
    assert str(event.entity_id) == response.json()["id"]
    assert event.actor_id == team.id
    assert event.payload == {
        "fqn": "a.b",
        "environment": "dev",
        "owner_team_id": str(team.id),
    }


@pytest.mark.parametrize(
    "fqn",
    [
        "orders",
        "a..b",
        ".a.b",
        "a.b.",
        "1a.b",
        "a.1b",
        "a-b.c",
        "a b.c",
        "a.b c",
        "ä.b",
        "a.b\n",
    ],
)
def test_an_fqn_that_is_not_dot_separated_identifiers_is_rejected(
    writer_client, team, fqn
):
    response = writer_client.post(ASSETS, {"fqn": fqn, "owner_team_id": str(team.id)})

    [item] = detail_of(response)
    assert item["type"] == "value_error"
    assert item["loc"] == ["body", "fqn"]
    assert item["msg"].startswith("Value error, ")
    assert "dot-separated" in item["msg"]
    assert item["input"] == fqn


@pytest.mark.parametrize("fqn", ["a.b", "_a._b", "db.schema.table_1", "A1.B2.C3.D4"])
def test_valid_fqns_are_accepted(writer_client, team, fqn):
    response = writer_client.post(ASSETS, {"fqn": fqn, "owner_team_id": str(team.id)})

    assert response.status_code == 201, response.content


def test_an_fqn_shorter_than_three_characters_is_rejected(writer_client, team):
    response = writer_client.post(ASSETS, {"fqn": "ab", "owner_team_id": str(team.id)})

    [item] = detail_of(response)
    assert item["type"] == "string_too_short"
    assert item["msg"] == "String should have at least 3 characters"


def test_the_fqn_length_limit_is_read_from_settings_at_call_time(
    writer_client, team, settings
):
    settings.MAX_FQN_LENGTH = 10

    response = writer_client.post(
        ASSETS, {"fqn": "abcde.fghij", "owner_team_id": str(team.id)}
    )

    [item] = detail_of(response)
    assert item["type"] == "string_too_long"
    assert item["msg"] == "String should have at most 10 characters"


@pytest.mark.parametrize(
    ("environment", "kind"), [("", "string_too_short"), ("e" * 51, "string_too_long")]
)
def test_an_environment_outside_1_to_50_characters_is_rejected(
    writer_client, team, environment, kind
):
    response = writer_client.post(
        ASSETS,
        {"fqn": "a.b", "owner_team_id": str(team.id), "environment": environment},
    )

    [item] = detail_of(response)
    assert item["type"] == kind
    assert item["loc"] == ["body", "environment"]


def test_missing_fields_are_reported_in_the_validation_format(writer_client):
    response = writer_client.post(ASSETS, {})

    items = detail_of(response)
    assert {tuple(item["loc"]) for item in items} == {
        ("body", "fqn"),
        ("body", "owner_team_id"),
    }
    assert {item["type"] for item in items} == {"missing"}
    assert {item["msg"] for item in items} == {"Field required"}


def test_a_malformed_owner_team_id_is_a_uuid_parsing_error(writer_client):
    response = writer_client.post(ASSETS, {"fqn": "a.b", "owner_team_id": "nope"})

    [item] = detail_of(response)
    assert item["type"] == "uuid_parsing"
    assert item["loc"] == ["body", "owner_team_id"]


def test_malformed_json_is_a_422_even_without_credentials(api_client):
    response = api_client.post(ASSETS, "{nope", content_type="application/json")

    [item] = detail_of(response)
    assert item["type"] == "json_invalid"


def test_creating_without_credentials_is_401(api_client, team):
    response = api_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id)}, format="json"
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "MISSING_API_KEY"


def test_creating_with_a_read_only_key_is_403(client_for, team):
    client = client_for(team, ["read"])

    response = client.post(ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id)})

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_SCOPE"
    assert error_of(response)["message"] == "This operation requires the 'write' scope"


def test_creating_an_asset_for_another_team_is_forbidden(writer_client, other_team):
    response = writer_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(other_team.id)}
    )

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "INSUFFICIENT_PERMISSIONS"
    assert error["message"] == "You can only create assets for teams you belong to"
    assert not Asset.objects.exists()


def test_an_admin_may_create_an_asset_for_another_team(admin_client, other_team):
    response = admin_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(other_team.id)}
    )

    assert response.status_code == 201
    assert response.json()["owner_team_id"] == str(other_team.id)


def test_ownership_is_checked_before_the_owner_team_exists(writer_client):
    response = writer_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(uuid.uuid4())}
    )

    assert response.status_code == 403


def test_an_unknown_owner_team_is_404(admin_client):
    response = admin_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(uuid.uuid4())}
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert error_of(response)["message"] == "Owner team not found"


def test_a_soft_deleted_owner_team_is_404(admin_client, other_team):
    delete_team(team=other_team, actor=SYSTEM)

    response = admin_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(other_team.id)}
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Owner team not found"


def test_a_live_duplicate_fqn_and_environment_is_409(writer_client, team):
    make_asset(team, "a.b", environment="dev")

    response = writer_client.post(
        ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id), "environment": "dev"}
    )

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "DUPLICATE_TEAM"
    assert error["message"] == "Asset 'a.b' already exists in environment 'dev'"


def test_a_pair_held_by_a_soft_deleted_asset_is_409_from_the_database_constraint(
    writer_client, team
):
    make_asset(team, "a.b", deleted_at=timezone.now())

    response = writer_client.post(ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id)})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "DUPLICATE_TEAM"
    assert error["message"] == "Asset with FQN 'a.b' already exists"
    assert Asset.objects.count() == 1
    assert not Event.objects.filter(action="asset.created").exists()


def test_the_same_fqn_may_exist_once_per_environment(writer_client, team):
    make_asset(team, "a.b", environment="dev")

    response = writer_client.post(ASSETS, {"fqn": "a.b", "owner_team_id": str(team.id)})

    assert response.status_code == 201


# --- List -----------------------------------------------------------------------------------


def test_listing_excludes_deleted_assets_and_orders_by_fqn(writer_client, team):
    make_asset(team, "b.b")
    make_asset(team, "a.z")
    make_asset(team, "a.a", environment="dev")
    make_asset(team, "a.a")
    make_asset(team, "a.deleted", deleted_at=timezone.now())

    response = writer_client.get(ASSETS)

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    assert body["limit"] == 50
    assert body["offset"] == 0
    assert [row["fqn"] for row in body["results"]] == ["a.a", "a.a", "a.z", "b.b"]
    same_fqn = sorted(row["id"] for row in body["results"][:2])
    assert [row["id"] for row in body["results"][:2]] == same_fqn  # id breaks ties


def test_listing_filters_by_owner_fqn_substring_and_environment(
    writer_client, team, other_team
):
    make_asset(team, "sales.orders", environment="dev")
    wanted = make_asset(team, "sales.ORDER_items")
    make_asset(other_team, "sales.orders_archive")
    make_asset(team, "finance.ledger")

    response = writer_client.get(
        ASSETS, {"owner": str(team.id), "fqn": "order", "environment": "production"}
    )

    assert [row["id"] for row in response.json()["results"]] == [str(wanted.id)]
    assert response.json()["total"] == 1


def test_listing_paginates_with_limit_and_offset(writer_client, team):
    for index in range(5):
        make_asset(team, f"a.t{index}")

    response = writer_client.get(ASSETS, {"limit": 2, "offset": 2})

    body = response.json()
    assert [row["fqn"] for row in body["results"]] == ["a.t2", "a.t3"]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)


def test_an_offset_past_the_end_returns_no_rows_but_the_total(writer_client, team):
    make_asset(team)

    body = writer_client.get(ASSETS, {"offset": 10}).json()

    assert body["results"] == []
    assert body["total"] == 1


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        ({"limit": 0}, "greater_than_equal"),
        ({"limit": 101}, "less_than_equal"),
        ({"offset": -1}, "greater_than_equal"),
        ({"owner": "x"}, "uuid_parsing"),
    ],
)
def test_bad_list_parameters_are_422(writer_client, params, kind):
    response = writer_client.get(ASSETS, params)

    [item] = detail_of(response)
    assert item["type"] == kind
    assert item["loc"] == ["query", next(iter(params))]


def test_listing_without_read_scope_is_403(client_for, team):
    response = client_for(team, ["write"]).get(ASSETS)

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_SCOPE"


def test_listing_runs_a_constant_number_of_queries(
    writer_client, team, other_team, django_assert_num_queries
):
    for index in range(12):
        make_asset(team if index % 2 else other_team, f"a.t{index}")
    warm(writer_client)

    # savepoint, key, count, page, release
    with django_assert_num_queries(5):
        response = writer_client.get(ASSETS)

    assert len(response.json()["results"]) == 12


# --- Search ---------------------------------------------------------------------------------


def test_search_returns_the_slim_shape_with_the_owner_team_name(
    writer_client, team, other_team
):
    mine = make_asset(team, "sales.orders")
    theirs = make_asset(other_team, "crm.ORDERS")
    make_asset(team, "finance.ledger")
    make_asset(team, "old.orders", deleted_at=timezone.now())

    response = writer_client.get(f"{ASSETS}/search", {"q": "orders"})

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert (body["limit"], body["offset"]) == (50, 0)
    assert body["results"] == [
        {
            "id": str(theirs.id),
            "fqn": "crm.ORDERS",
            "owner_team_id": str(other_team.id),
            "owner_team_name": "Consumers",
            "environment": "production",
        },
        {
            "id": str(mine.id),
            "fqn": "sales.orders",
            "owner_team_id": str(team.id),
            "owner_team_name": "Producers",
            "environment": "production",
        },
    ]


def test_search_filters_by_owner_and_environment(writer_client, team, other_team):
    make_asset(team, "a.orders", environment="dev")
    wanted = make_asset(team, "b.orders")
    make_asset(other_team, "c.orders")

    response = writer_client.get(
        f"{ASSETS}/search",
        {"q": "orders", "owner": str(team.id), "environment": "production"},
    )

    assert [row["id"] for row in response.json()["results"]] == [str(wanted.id)]


def test_search_requires_q(writer_client):
    [item] = detail_of(writer_client.get(f"{ASSETS}/search"))

    assert item["type"] == "missing"
    assert item["loc"] == ["query", "q"]


def test_search_rejects_an_empty_q(writer_client):
    [item] = detail_of(writer_client.get(f"{ASSETS}/search", {"q": ""}))

    assert item["type"] == "string_too_short"
    assert item["msg"] == "String should have at least 1 character"


def test_search_runs_a_constant_number_of_queries(
    writer_client, make_team, django_assert_num_queries
):
    for index in range(10):
        make_asset(make_team(), f"a.orders_{index}")
    warm(writer_client)

    # savepoint, key, count, page joined to teams, release
    with django_assert_num_queries(5):
        response = writer_client.get(f"{ASSETS}/search", {"q": "orders"})

    assert len({row["owner_team_name"] for row in response.json()["results"]}) == 10


# --- Get --------------------------------------------------------------------------------------


def test_getting_an_asset(writer_client, team):
    asset = make_asset(team, "a.b", metadata={"k": "v"})

    response = writer_client.get(f"{ASSETS}/{asset.id}")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(asset.id),
        "fqn": "a.b",
        "owner_team_id": str(team.id),
        "environment": "production",
        "metadata": {"k": "v"},
        "created_at": asset.created_at.isoformat().replace("+00:00", "Z"),
    }


@pytest.mark.parametrize("deleted", [False, True])
def test_getting_an_absent_or_deleted_asset_is_404(writer_client, team, deleted):
    asset_id = (
        make_asset(team, deleted_at=timezone.now()).id if deleted else uuid.uuid4()
    )

    response = writer_client.get(f"{ASSETS}/{asset_id}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert error_of(response)["message"] == "Asset not found"


def test_a_malformed_asset_id_is_422(writer_client):
    [item] = detail_of(writer_client.get(f"{ASSETS}/not-a-uuid"))

    assert item["type"] == "uuid_parsing"
    assert item["loc"] == ["path", "asset_id"]
    assert item["input"] == "not-a-uuid"


def test_put_is_not_allowed(writer_client, team):
    asset = make_asset(team)

    response = writer_client.put(f"{ASSETS}/{asset.id}", {"fqn": "a.b"})

    assert response.status_code == 405
    assert error_of(response)["code"] == "BAD_REQUEST"


# --- Update -------------------------------------------------------------------------------


def test_patching_changes_only_the_given_fields_and_records_them(writer_client, team):
    asset = make_asset(team, "a.b", environment="dev", metadata={"old": True})

    response = writer_client.patch(
        f"{ASSETS}/{asset.id}",
        {"fqn": "a.c", "environment": None, "metadata": {"new": 1}},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["fqn"], body["environment"], body["metadata"]) == (
        "a.c",
        "dev",
        {"new": 1},
    )
    asset.refresh_from_db()
    assert (asset.fqn, asset.environment, asset.metadata) == ("a.c", "dev", {"new": 1})
    event = Event.objects.get(action="asset.updated")
    assert event.entity_type == "asset"
    assert event.entity_id == asset.id
    assert event.actor_id == team.id
    assert event.payload == {
        "changes": {
            "fqn": {"old": "a.b", "new": "a.c"},
            "metadata": {"old": {"old": True}, "new": {"new": 1}},
        }
    }


def test_a_patch_that_changes_nothing_records_no_event(writer_client, team):
    asset = make_asset(team, "a.b")

    response = writer_client.patch(f"{ASSETS}/{asset.id}", {"fqn": "a.b"})

    assert response.status_code == 200
    assert not Event.objects.filter(action="asset.updated").exists()


def test_patching_transfers_ownership_to_another_live_team(
    writer_client, team, other_team
):
    asset = make_asset(team)

    response = writer_client.patch(
        f"{ASSETS}/{asset.id}", {"owner_team_id": str(other_team.id)}
    )

    assert response.status_code == 200
    assert response.json()["owner_team_id"] == str(other_team.id)
    event = Event.objects.get(action="asset.updated")
    assert event.payload["changes"]["owner_team_id"] == {
        "old": str(team.id),
        "new": str(other_team.id),
    }


def test_patching_an_invalid_fqn_is_422(writer_client, team):
    asset = make_asset(team, "a.b")

    [item] = detail_of(
        writer_client.patch(f"{ASSETS}/{asset.id}", {"fqn": "not valid fqn!!"})
    )

    assert item["type"] == "value_error"
    assert item["loc"] == ["body", "fqn"]
    asset.refresh_from_db()
    assert asset.fqn == "a.b"


def test_patch_validation_comes_before_the_404(writer_client):
    response = writer_client.patch(f"{ASSETS}/{uuid.uuid4()}", {"environment": ""})

    assert response.status_code == 422


@pytest.mark.parametrize("deleted_owner", [False, True])
def test_patching_to_an_unknown_or_deleted_owner_is_404(
    writer_client, team, other_team, deleted_owner
):
    asset = make_asset(team)
    if deleted_owner:
        delete_team(team=other_team, actor=SYSTEM)
    owner_id = other_team.id if deleted_owner else uuid.uuid4()

    response = writer_client.patch(
        f"{ASSETS}/{asset.id}", {"owner_team_id": str(owner_id)}
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Owner team not found"


@pytest.mark.parametrize("holder_deleted", [False, True])
def test_patching_onto_a_taken_pair_is_409(writer_client, team, holder_deleted):
    make_asset(
        team,
        "a.taken",
        environment="dev",
        deleted_at=timezone.now() if holder_deleted else None,
    )
    asset = make_asset(team, "a.mine", environment="dev")

    response = writer_client.patch(f"{ASSETS}/{asset.id}", {"fqn": "a.taken"})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "DUPLICATE_TEAM"
    assert error["message"] == "Asset 'a.taken' already exists in environment 'dev'"


def test_patching_another_teams_asset_is_forbidden(writer_client, other_team):
    asset = make_asset(other_team, "a.b")

    response = writer_client.patch(f"{ASSETS}/{asset.id}", {"fqn": "a.c"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_PERMISSIONS"
    assert (
        error_of(response)["message"]
        == "You can only update assets belonging to your team"
    )


def test_an_admin_may_patch_another_teams_asset(admin_client, other_team):
    asset = make_asset(other_team, "a.b")

    response = admin_client.patch(f"{ASSETS}/{asset.id}", {"fqn": "a.c"})

    assert response.status_code == 200


def test_patching_a_deleted_asset_is_404(writer_client, team):
    asset = make_asset(team, deleted_at=timezone.now())

    response = writer_client.patch(f"{ASSETS}/{asset.id}", {"fqn": "a.c"})

    assert response.status_code == 404
    assert error_of(response)["message"] == "Asset not found"


# --- Delete and restore ----------------------------------------------------------------------


def test_deleting_soft_deletes_and_hides_the_asset(writer_client, team):
    asset = make_asset(team, "a.b")

    response = writer_client.delete(f"{ASSETS}/{asset.id}")

    assert response.status_code == 204
    assert response.content == b""
    asset.refresh_from_db()
    assert asset.deleted_at is not None
    assert writer_client.get(f"{ASSETS}/{asset.id}").status_code == 404
    assert writer_client.get(ASSETS).json()["total"] == 0
    event = Event.objects.get(action="asset.deleted")
    assert (event.entity_type, event.entity_id, event.actor_id) == (
        "asset",
        asset.id,
        team.id,
    )


def test_deleting_twice_is_404(writer_client, team):
    asset = make_asset(team)
    writer_client.delete(f"{ASSETS}/{asset.id}")

    response = writer_client.delete(f"{ASSETS}/{asset.id}")

    assert response.status_code == 404
    assert error_of(response)["message"] == "Asset not found"


def test_deleting_another_teams_asset_is_forbidden(writer_client, other_team):
    asset = make_asset(other_team)

    response = writer_client.delete(f"{ASSETS}/{asset.id}")

    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "You can only delete assets belonging to your team"
    )
    asset.refresh_from_db()
    assert asset.deleted_at is None


def test_an_admin_may_delete_another_teams_asset(admin_client, other_team):
    asset = make_asset(other_team)

    assert admin_client.delete(f"{ASSETS}/{asset.id}").status_code == 204


def test_restoring_brings_a_deleted_asset_back(admin_client, team):
    asset = make_asset(team, "a.b", deleted_at=timezone.now())

    response = admin_client.post(f"{ASSETS}/{asset.id}/restore")

    assert response.status_code == 200
    assert response.json()["id"] == str(asset.id)
    assert admin_client.get(f"{ASSETS}/{asset.id}").status_code == 200
    event = Event.objects.get(action="asset.restored")
    assert (event.entity_type, event.entity_id, event.actor_id) == (
        "asset",
        asset.id,
        team.id,
    )


def test_restoring_a_live_asset_is_an_idempotent_no_op(admin_client, team):
    asset = make_asset(team, "a.b")

    response = admin_client.post(f"{ASSETS}/{asset.id}/restore")

    assert response.status_code == 200
    assert response.json()["fqn"] == "a.b"
    assert not Event.objects.filter(action="asset.restored").exists()


def test_restoring_needs_the_admin_scope(writer_client, team):
    asset = make_asset(team, deleted_at=timezone.now())

    response = writer_client.post(f"{ASSETS}/{asset.id}/restore")

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_SCOPE"
    assert error_of(response)["message"] == "This operation requires the 'admin' scope"


def test_restoring_an_absent_asset_is_404(admin_client):
    response = admin_client.post(f"{ASSETS}/{uuid.uuid4()}/restore")

    assert response.status_code == 404
    assert error_of(response)["message"] == "Asset not found"
