"""Asset and dependency services: branches the API tests do not reach, concurrency, admin."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from audit.models import Event
from contracts.models import Asset, Dependency
from contracts.services import assets as services
from contracts.tests.factories import (
    make_asset,
    make_contract,
    make_dependency,
    make_registration,
)
from teams.principal import Principal
from tessera.errors import BadRequestError

SYSTEM = Principal.system("tests")


@pytest.mark.django_db
def test_an_update_writes_only_the_changed_columns(team):
    asset = make_asset(team, "a.b", metadata={"v": 1})
    stale = Asset.objects.get(pk=asset.pk)
    services.update_asset(asset=asset, actor=SYSTEM, metadata={"v": 2})

    services.update_asset(asset=stale, actor=SYSTEM, fqn="a.c")

    asset.refresh_from_db()
    assert (asset.fqn, asset.metadata) == ("a.c", {"v": 2})


@pytest.mark.django_db
def test_an_owner_may_change_the_environment(team, make_key):
    asset = make_asset(team, "a.b")
    key, _ = make_key(team, ["write"])

    services.update_asset(
        asset=asset, actor=Principal.for_api_key(key), environment="dev"
    )

    asset.refresh_from_db()
    assert asset.environment == "dev"
    event = Event.objects.get(action="asset.updated")
    assert event.payload == {
        "changes": {"environment": {"old": "production", "new": "dev"}}
    }


@pytest.mark.django_db
def test_deleting_an_asset_leaves_its_contracts_registrations_and_dependencies(
    team, other_team
):
    asset = make_asset(team)
    contract = make_contract(asset)
    make_registration(contract, other_team)
    make_dependency(asset, make_asset(team))
    make_dependency(make_asset(team), asset)

    services.delete_asset(asset=asset, actor=SYSTEM)

    assert asset.contracts.count() == 1
    assert contract.registrations.count() == 1
    assert Dependency.objects.count() == 2


@pytest.mark.django_db
def test_system_actors_are_audited_without_a_team(team):
    asset = make_asset(team, deleted_at=timezone.now())

    services.restore_asset(asset=asset, actor=SYSTEM)

    event = Event.objects.get(action="asset.restored")
    assert event.actor_id is None
    assert event.payload == {"fqn": asset.fqn, "environment": "production"}


@pytest.mark.django_db
def test_lineage_reads_in_four_queries(team, make_team, django_assert_num_queries):
    asset = make_asset(team)
    for _ in range(3):
        make_dependency(asset, make_asset(make_team()))
        make_dependency(make_asset(make_team()), asset)
        make_registration(
            make_contract(asset, f"{Asset.objects.count()}.0.0"), make_team()
        )

    with django_assert_num_queries(4):
        lineage = services.get_lineage(asset.id)
        names = [row.dependency_asset.owner_team.name for row in lineage.upstream]
        names += [
            row.dependent_asset.owner_team.name for row in lineage.downstream_assets
        ]
        names += [row.consumer_team.name for row in lineage.registrations]

    assert len(names) == 9


# --- Concurrency (PostgreSQL: SQLite serialises writers) ----------------------------------------


def race(target: Callable[[], Any], threads: int = 2) -> list[Any]:
    """Run ``target`` in parallel threads started together; return results or exceptions."""
    barrier = threading.Barrier(threads)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except Exception as exc:  # the test inspects what was raised
            results.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_of_one_pair_yield_one_asset_and_one_409(team):
    results = race(
        lambda: services.create_asset(
            fqn="a.race",
            owner_team_id=team.id,
            environment="production",
            metadata={},
            actor=SYSTEM,
        )
    )

    assert sorted(type(result).__name__ for result in results) == [
        "Asset",
        "DuplicateAssetError",
    ]
    assert Asset.objects.filter(fqn="a.race").count() == 1
    assert Event.objects.filter(action="asset.created").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_additions_of_one_dependency_yield_one_row_and_one_400(team):
    downstream, upstream = make_asset(team), make_asset(team)

    results = race(
        lambda: services.add_dependency(
            asset=downstream,
            depends_on_asset_id=upstream.id,
            dependency_type="consumes",
            actor=SYSTEM,
        )
    )

    assert sorted(type(result).__name__ for result in results) == [
        "BadRequestError",
        "Dependency",
    ]
    error = next(result for result in results if isinstance(result, BadRequestError))
    assert error.message == "Dependency already exists"
    assert Dependency.objects.count() == 1


# --- Admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_browser(client, db):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_asset_admin_lists_and_filters_deleted_assets(admin_browser, team):
    make_asset(team, "live.asset")
    make_asset(team, "gone.asset", deleted_at=timezone.now())

    page = admin_browser.get("/admin/contracts/asset/", {"deleted": "yes"})

    assert page.status_code == 200
    assert b"gone.asset" in page.content
    assert b"live.asset" not in page.content


@pytest.mark.django_db
def test_the_asset_admin_is_read_only(admin_browser, team):
    asset = make_asset(team, "a.b")

    page = admin_browser.get(f"/admin/contracts/asset/{asset.pk}/change/")
    add = admin_browser.get("/admin/contracts/asset/add/")

    assert page.status_code == 200
    assert b'name="fqn"' not in page.content
    assert add.status_code == 403


@pytest.mark.django_db
def test_the_asset_admin_lists_every_contract_version(admin_browser, team):
    asset = make_asset(team, "a.b")
    make_contract(asset, "1.0.0", status="deprecated")
    make_contract(asset, "2.0.0")

    page = admin_browser.get(f"/admin/contracts/asset/{asset.pk}/change/")

    assert page.status_code == 200
    assert b"1.0.0" in page.content
    assert b"2.0.0" in page.content


@pytest.mark.django_db
def test_the_admin_restore_action_goes_through_the_service(admin_browser, team):
    gone = make_asset(team, "gone.asset", deleted_at=timezone.now())
    live = make_asset(team, "live.asset")

    response = admin_browser.post(
        "/admin/contracts/asset/",
        {"action": "restore_assets", "_selected_action": [str(gone.pk), str(live.pk)]},
    )

    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.deleted_at is None
    event = Event.objects.get(action="asset.restored")
    assert event.entity_id == gone.id
    assert event.actor_id is None


@pytest.mark.django_db
def test_the_dependency_admin_lists_rows_read_only(admin_browser, team):
    make_dependency(make_asset(team, "a.down"), make_asset(team, "a.up"))

    page = admin_browser.get("/admin/contracts/dependency/")
    add = admin_browser.get("/admin/contracts/dependency/add/")

    assert page.status_code == 200
    assert b"a.down" in page.content
    assert add.status_code == 403
