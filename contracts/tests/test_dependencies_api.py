"""Dependencies over HTTP (API.md 5.2.13-5.2.15)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Event
from contracts.models import Dependency
from contracts.tests.factories import make_asset, make_dependency

pytestmark = pytest.mark.django_db


def url(asset_id: Any, dependency_id: Any = None) -> str:
    base = f"/api/v1/assets/{asset_id}/dependencies"
    return base if dependency_id is None else f"{base}/{dependency_id}"


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def detail_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    return response.json()["detail"]


# --- Create -------------------------------------------------------------------------------


def test_adding_a_dependency_returns_it_and_records_an_event(
    writer_client, team, other_team
):
    downstream = make_asset(team, "a.down")
    upstream = make_asset(other_team, "a.up")

    response = writer_client.post(
        url(downstream.id), {"depends_on_asset_id": str(upstream.id)}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "dependent_asset_id",
        "dependency_asset_id",
        "dependency_type",
        "created_at",
    }
    assert body["dependent_asset_id"] == str(downstream.id)
    assert body["dependency_asset_id"] == str(upstream.id)
    assert body["dependency_type"] == "consumes"
    event = Event.objects.get(action="dependency.created")
    assert (event.entity_type, str(event.entity_id), event.actor_id) == (
        "dependency",
        body["id"],
        team.id,
    )
    assert event.payload == {
        "dependent_asset_id": str(downstream.id),
        "dependency_asset_id": str(upstream.id),
        "dependency_type": "consumes",
    }


@pytest.mark.parametrize("kind", ["consumes", "references", "transforms"])
def test_every_dependency_type_is_accepted(writer_client, team, kind):
    downstream, upstream = make_asset(team), make_asset(team)

    response = writer_client.post(
        url(downstream.id),
        {"depends_on_asset_id": str(upstream.id), "dependency_type": kind},
    )

    assert response.status_code == 201
    assert response.json()["dependency_type"] == kind


def test_an_unknown_dependency_type_is_422(writer_client, team):
    downstream, upstream = make_asset(team), make_asset(team)

    response = writer_client.post(
        url(downstream.id),
        {"depends_on_asset_id": str(upstream.id), "dependency_type": "CONSUMES"},
    )

    [item] = detail_of(response)
    assert item["type"] == "enum"
    assert item["loc"] == ["body", "dependency_type"]


def test_a_missing_upstream_id_is_422_before_the_asset_is_looked_up(writer_client):
    [item] = detail_of(writer_client.post(url(uuid.uuid4()), {}))

    assert item["type"] == "missing"
    assert item["loc"] == ["body", "depends_on_asset_id"]


def test_adding_to_an_absent_asset_is_404(writer_client, team):
    upstream = make_asset(team)

    response = writer_client.post(
        url(uuid.uuid4()), {"depends_on_asset_id": str(upstream.id)}
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Asset not found"


def test_soft_deleted_assets_may_still_get_dependencies(writer_client, team):
    downstream = make_asset(team, deleted_at=timezone.now())
    upstream = make_asset(team, deleted_at=timezone.now())

    response = writer_client.post(
        url(downstream.id), {"depends_on_asset_id": str(upstream.id)}
    )

    assert response.status_code == 201


def test_adding_to_another_teams_asset_is_forbidden(writer_client, team, other_team):
    downstream = make_asset(other_team)
    upstream = make_asset(team)

    response = writer_client.post(
        url(downstream.id), {"depends_on_asset_id": str(upstream.id)}
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_PERMISSIONS"
    assert (
        error_of(response)["message"]
        == "You can only add dependencies to assets belonging to your team"
    )


def test_ownership_is_checked_before_the_upstream_asset_exists(
    writer_client, other_team
):
    downstream = make_asset(other_team)

    response = writer_client.post(
        url(downstream.id), {"depends_on_asset_id": str(uuid.uuid4())}
    )

    assert response.status_code == 403


def test_an_admin_may_add_a_dependency_to_another_teams_asset(
    admin_client, team, other_team
):
    downstream = make_asset(other_team)
    upstream = make_asset(team)

    response = admin_client.post(
        url(downstream.id), {"depends_on_asset_id": str(upstream.id)}
    )

    assert response.status_code == 201


def test_an_absent_upstream_asset_is_404(writer_client, team):
    downstream = make_asset(team)

    response = writer_client.post(
        url(downstream.id), {"depends_on_asset_id": str(uuid.uuid4())}
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert error_of(response)["message"] == "Dependency asset not found"


def test_an_asset_cannot_depend_on_itself(writer_client, team):
    asset = make_asset(team)

    response = writer_client.post(url(asset.id), {"depends_on_asset_id": str(asset.id)})

    assert response.status_code == 400
    assert error_of(response)["code"] == "BAD_REQUEST"
    assert error_of(response)["message"] == "Asset cannot depend on itself"


def test_the_same_pair_cannot_be_added_twice_whatever_the_type(writer_client, team):
    downstream, upstream = make_asset(team), make_asset(team)
    make_dependency(downstream, upstream, "consumes")

    response = writer_client.post(
        url(downstream.id),
        {"depends_on_asset_id": str(upstream.id), "dependency_type": "references"},
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "BAD_REQUEST"
    assert error_of(response)["message"] == "Dependency already exists"
    assert Dependency.objects.count() == 1


def test_cycles_between_distinct_assets_are_allowed(writer_client, team):
    first, second = make_asset(team), make_asset(team)
    make_dependency(first, second)

    response = writer_client.post(
        url(second.id), {"depends_on_asset_id": str(first.id)}
    )

    assert response.status_code == 201


def test_adding_needs_the_write_scope(client_for, team):
    downstream, upstream = make_asset(team), make_asset(team)

    response = client_for(team, ["read"]).post(
        url(downstream.id), {"depends_on_asset_id": str(upstream.id)}
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_SCOPE"


# --- List ---------------------------------------------------------------------------------


def test_listing_returns_the_upstream_rows_in_creation_order(writer_client, team):
    asset = make_asset(team)
    start = timezone.now()
    upstreams = [make_asset(team) for _ in range(3)]
    make_dependency(asset, upstreams[2], created_at=start)
    make_dependency(
        asset, upstreams[0], "transforms", created_at=start + timedelta(seconds=1)
    )
    make_dependency(asset, upstreams[1], created_at=start + timedelta(seconds=2))
    make_dependency(upstreams[0], asset)  # the other direction is not listed

    response = writer_client.get(url(asset.id))

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert (body["limit"], body["offset"]) == (50, 0)
    assert [row["dependency_asset_id"] for row in body["results"]] == [
        str(upstreams[2].id),
        str(upstreams[0].id),
        str(upstreams[1].id),
    ]
    assert body["results"][1]["dependency_type"] == "transforms"
    assert {row["dependent_asset_id"] for row in body["results"]} == {str(asset.id)}


def test_listing_ties_on_created_at_are_broken_by_id(writer_client, team):
    asset = make_asset(team)
    moment = timezone.now()
    rows = [
        make_dependency(asset, make_asset(team), created_at=moment) for _ in range(4)
    ]

    body = writer_client.get(url(asset.id)).json()

    assert [row["id"] for row in body["results"]] == sorted(str(row.id) for row in rows)


def test_listing_paginates(writer_client, team):
    asset = make_asset(team)
    start = timezone.now()
    rows = [
        make_dependency(
            asset, make_asset(team), created_at=start + timedelta(seconds=index)
        )
        for index in range(5)
    ]

    body = writer_client.get(url(asset.id), {"limit": 2, "offset": 3}).json()

    assert [row["id"] for row in body["results"]] == [str(rows[3].id), str(rows[4].id)]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 3)


def test_listing_an_absent_asset_is_404(writer_client):
    response = writer_client.get(url(uuid.uuid4()))

    assert response.status_code == 404
    assert error_of(response)["message"] == "Asset not found"


def test_a_bad_limit_is_422_before_the_404(writer_client):
    [item] = detail_of(writer_client.get(url(uuid.uuid4()), {"limit": 0}))

    assert item["loc"] == ["query", "limit"]


def test_listing_serves_soft_deleted_assets(writer_client, team):
    asset = make_asset(team, deleted_at=timezone.now())
    make_dependency(asset, make_asset(team))

    assert writer_client.get(url(asset.id)).json()["total"] == 1


def test_listing_runs_a_constant_number_of_queries(
    writer_client, team, django_assert_num_queries
):
    asset = make_asset(team)
    for _ in range(8):
        make_dependency(asset, make_asset(team))
    writer_client.get("/api/v1/teams")  # records the key's first use

    # savepoint, key, asset, count, page, release
    with django_assert_num_queries(6):
        response = writer_client.get(url(asset.id))

    assert len(response.json()["results"]) == 8


# --- Delete -------------------------------------------------------------------------------


def test_removing_a_dependency_deletes_it_and_records_an_event(writer_client, team):
    downstream, upstream = make_asset(team), make_asset(team)
    dependency = make_dependency(downstream, upstream, "references")

    response = writer_client.delete(url(downstream.id, dependency.id))

    assert response.status_code == 204
    assert response.content == b""
    assert not Dependency.objects.exists()
    event = Event.objects.get(action="dependency.deleted")
    assert (event.entity_type, event.entity_id, event.actor_id) == (
        "dependency",
        dependency.id,
        team.id,
    )
    assert event.payload == {
        "dependent_asset_id": str(downstream.id),
        "dependency_asset_id": str(upstream.id),
        "dependency_type": "references",
    }


def test_removing_through_the_upstream_asset_is_404(writer_client, team):
    downstream, upstream = make_asset(team), make_asset(team)
    dependency = make_dependency(downstream, upstream)

    response = writer_client.delete(url(upstream.id, dependency.id))

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert error_of(response)["message"] == "Dependency not found"
    assert Dependency.objects.exists()


def test_removing_an_absent_dependency_is_404(writer_client, team):
    asset = make_asset(team)

    response = writer_client.delete(url(asset.id, uuid.uuid4()))

    assert response.status_code == 404
    assert error_of(response)["message"] == "Dependency not found"


def test_a_malformed_dependency_id_is_422(writer_client, team):
    asset = make_asset(team)

    [item] = detail_of(writer_client.delete(url(asset.id, "nope")))

    assert item["type"] == "uuid_parsing"
    assert item["loc"] == ["path", "dependency_id"]


def test_removing_another_teams_dependency_is_forbidden(
    writer_client, team, other_team
):
    downstream = make_asset(other_team)
    dependency = make_dependency(downstream, make_asset(team))

    response = writer_client.delete(url(downstream.id, dependency.id))

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_PERMISSIONS"
    assert (
        error_of(response)["message"]
        == "You can only remove dependencies from assets belonging to your team"
    )
    assert Dependency.objects.exists()


def test_an_admin_may_remove_another_teams_dependency(admin_client, team, other_team):
    downstream = make_asset(other_team)
    dependency = make_dependency(downstream, make_asset(team))

    assert admin_client.delete(url(downstream.id, dependency.id)).status_code == 204
