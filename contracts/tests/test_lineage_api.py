"""Lineage over HTTP (API.md 5.2.16, WORKFLOWS.md 7.2): one hop each way."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from contracts.models import Registration
from contracts.tests.factories import (
    make_asset,
    make_contract,
    make_dependency,
    make_registration,
)

pytestmark = pytest.mark.django_db


def lineage_url(asset_id: Any) -> str:
    return f"/api/v1/assets/{asset_id}/lineage"


def test_lineage_lists_both_directions_and_the_consumer_teams(
    writer_client, team, other_team, make_team
):
    zeta = make_team("Zeta")
    asset = make_asset(team, "core.orders")
    start = timezone.now()
    source = make_asset(other_team, "raw.orders")
    make_dependency(asset, source, "transforms", created_at=start)
    reader = make_asset(zeta, "mart.revenue")
    make_dependency(reader, asset, "references", created_at=start)
    make_dependency(reader, source)  # not adjacent to the asset: not listed
    old = make_contract(asset, "1.0.0", status="deprecated", published_at=start)
    new = make_contract(asset, "2.0.0", published_at=start + timedelta(seconds=1))
    zeta_old = make_registration(old, zeta, status="inactive", pinned_version="1.0.0")
    make_registration(new, other_team, status="migrating")
    zeta_new = make_registration(new, zeta)
    # Registration order within a team: registered_at, then id.
    Registration.objects.filter(pk=zeta_old.pk).update(registered_at=start)
    Registration.objects.filter(pk=zeta_new.pk).update(
        registered_at=start + timedelta(seconds=1)
    )

    response = writer_client.get(lineage_url(asset.id))

    assert response.status_code == 200
    assert response.json() == {
        "asset_id": str(asset.id),
        "asset_fqn": "core.orders",
        "owner_team_id": str(team.id),
        "owner_team_name": "Producers",
        "upstream": [
            {
                "asset_id": str(source.id),
                "asset_fqn": "raw.orders",
                "dependency_type": "transforms",
                "owner_team": "Consumers",
            }
        ],
        # Grouped per team (by name), every status, every contract.
        "downstream": [
            {
                "team_id": str(other_team.id),
                "team_name": "Consumers",
                "registrations": [
                    {
                        "contract_id": str(new.id),
                        "status": "migrating",
                        "pinned_version": None,
                    }
                ],
            },
            {
                "team_id": str(zeta.id),
                "team_name": "Zeta",
                "registrations": [
                    {
                        "contract_id": str(old.id),
                        "status": "inactive",
                        "pinned_version": "1.0.0",
                    },
                    {
                        "contract_id": str(new.id),
                        "status": "active",
                        "pinned_version": None,
                    },
                ],
            },
        ],
        "downstream_assets": [
            {
                "asset_id": str(reader.id),
                "asset_fqn": "mart.revenue",
                "dependency_type": "references",
                "owner_team": "Zeta",
            }
        ],
    }


def test_lineage_of_an_isolated_asset_has_empty_lists(writer_client, team):
    asset = make_asset(team)

    body = writer_client.get(lineage_url(asset.id)).json()

    assert (body["upstream"], body["downstream"], body["downstream_assets"]) == (
        [],
        [],
        [],
    )


def test_lineage_serves_and_shows_soft_deleted_assets(writer_client, team):
    deleted = timezone.now()
    asset = make_asset(team, deleted_at=deleted)
    upstream = make_asset(team, deleted_at=deleted)
    make_dependency(asset, upstream)

    response = writer_client.get(lineage_url(asset.id))

    assert response.status_code == 200
    assert [row["asset_id"] for row in response.json()["upstream"]] == [
        str(upstream.id)
    ]


def test_neighbours_are_ordered_by_dependency_creation(writer_client, team):
    asset = make_asset(team)
    start = timezone.now()
    late, early = make_asset(team), make_asset(team)
    make_dependency(late, asset, created_at=start + timedelta(seconds=5))
    make_dependency(early, asset, created_at=start)

    body = writer_client.get(lineage_url(asset.id)).json()

    assert [row["asset_id"] for row in body["downstream_assets"]] == [
        str(early.id),
        str(late.id),
    ]


def test_lineage_of_an_absent_asset_is_404(writer_client):
    response = writer_client.get(lineage_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert response.json()["error"]["message"] == "Asset not found"


def test_a_malformed_asset_id_is_422(writer_client):
    response = writer_client.get(lineage_url("x"))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "asset_id"]


def test_lineage_needs_the_read_scope(client_for, team):
    asset = make_asset(team)

    response = client_for(team, ["write"]).get(lineage_url(asset.id))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_SCOPE"


@pytest.mark.parametrize("size", [1, 6])
def test_lineage_runs_a_constant_number_of_queries(
    writer_client, team, make_team, size, django_assert_num_queries
):
    asset = make_asset(team)
    contracts = [make_contract(asset, f"{index}.0.0") for index in range(size)]
    for index in range(size):
        make_dependency(asset, make_asset(make_team()))
        make_dependency(make_asset(make_team()), asset)
        make_registration(contracts[index], make_team())
    writer_client.get("/api/v1/teams")  # records the key's first use

    # savepoint, key, asset+owner, upstream, downstream assets, registrations, release
    with django_assert_num_queries(7):
        body = writer_client.get(lineage_url(asset.id)).json()

    assert (
        len(body["upstream"])
        == len(body["downstream_assets"])
        == len(body["downstream"])
        == size
    )
