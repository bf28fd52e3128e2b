"""Git sync: POST /sync/push and /sync/pull (API.md 5.7.1-5.7.2, WORKFLOWS.md 10)."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml
from django.utils import timezone

from audit.models import Event
from contracts.models import Asset, Contract, Registration
from contracts.services.sync import asset_file_name
from contracts.tests.factories import make_asset, make_contract, make_registration
from teams.models import Team

pytestmark = pytest.mark.django_db

NOT_CONFIGURED = (
    "GIT_SYNC_PATH not configured. Set the GIT_SYNC_PATH environment variable."
)
SYNC_ENDPOINTS = ("/api/v1/sync/push", "/api/v1/sync/pull")


def read(path):  # type: ignore[no-untyped-def]
    # Block-style YAML; safe_load keeps the documented key order.
    return yaml.safe_load(path.read_text())


@pytest.fixture
def sync_dir(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.GIT_SYNC_PATH = str(tmp_path / "repo")
    return tmp_path / "repo"


@pytest.fixture
def populated(team, other_team):  # type: ignore[no-untyped-def]
    asset = make_asset(team, "wh.sch.orders", metadata={"k": "v"})
    old = make_contract(asset, "1.0.0", status="deprecated")
    current = make_contract(asset, "1.1.0")
    registration = make_registration(current, other_team, pinned_version="1.1.0")
    deleted = make_asset(team, "wh.sch.gone", deleted_at=timezone.now())
    other_team.deleted_at = timezone.now()
    other_team.save()
    return {
        "asset": asset,
        "old": old,
        "current": current,
        "registration": registration,
        "deleted": deleted,
    }


# --- Scopes and configuration ---------------------------------------------------------------


@pytest.mark.parametrize("url", SYNC_ENDPOINTS)
def test_sync_endpoints_need_the_admin_scope(url, writer_client, sync_dir) -> None:
    response = writer_client.post(url)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_SCOPE"
    assert not sync_dir.exists()


@pytest.mark.parametrize("url", SYNC_ENDPOINTS)
@pytest.mark.parametrize("value", [None, ""])
def test_an_unset_sync_path_is_a_bad_request(url, value, admin_client, settings):
    settings.GIT_SYNC_PATH = value

    response = admin_client.post(url)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert response.json()["error"]["message"] == NOT_CONFIGURED


def test_pulling_from_a_missing_directory_is_not_found(admin_client, sync_dir):
    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert response.json()["error"]["message"] == f"Sync path not found: {sync_dir}"


# --- Push -----------------------------------------------------------------------------------


def test_push_writes_every_team_and_asset_including_deleted_ones(
    admin_client, sync_dir, populated, team, other_team
) -> None:
    response = admin_client.post("/api/v1/sync/push")

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "path": str(sync_dir),
        "exported": {"teams": 2, "assets": 2, "contracts": 2},
    }
    assert sorted(p.name for p in (sync_dir / "teams").iterdir()) == [
        "Consumers.yaml",
        "Producers.yaml",
    ]
    assert sorted(p.name for p in (sync_dir / "assets").iterdir()) == [
        "wh_sch_gone.yaml",
        "wh_sch_orders.yaml",
    ]


def test_pushed_team_files_hold_id_name_and_metadata_in_order(
    admin_client, sync_dir, make_team
) -> None:
    made = make_team("Data Eng", region="eu")

    admin_client.post("/api/v1/sync/push")

    document = read(sync_dir / "teams" / "Data Eng.yaml")
    assert list(document) == ["id", "name", "metadata"]
    assert document == {
        "id": str(made.id),
        "name": "Data Eng",
        "metadata": {"region": "eu"},
    }


def test_pushed_asset_files_hold_contracts_and_registrations_in_order(
    admin_client, sync_dir, populated, team, other_team
) -> None:
    admin_client.post("/api/v1/sync/push")

    document = read(sync_dir / "assets" / "wh_sch_orders.yaml")
    assert list(document) == ["id", "fqn", "owner_team_id", "metadata", "contracts"]
    assert document["id"] == str(populated["asset"].id)
    assert document["fqn"] == "wh.sch.orders"
    assert document["owner_team_id"] == str(team.id)
    assert document["metadata"] == {"k": "v"}
    old, current = document["contracts"]
    assert list(current) == [
        "id",
        "version",
        "schema",
        "compatibility_mode",
        "guarantees",
        "status",
        "registrations",
    ]
    assert (old["version"], old["status"], old["registrations"]) == (
        "1.0.0",
        "deprecated",
        [],
    )
    assert current["id"] == str(populated["current"].id)
    assert current["schema"] == populated["current"].schema
    assert current["compatibility_mode"] == "backward"
    assert current["guarantees"] is None
    assert current["registrations"] == [
        {
            "id": str(populated["registration"].id),
            "consumer_team_id": str(other_team.id),
            "pinned_version": "1.1.0",
            "status": "active",
        }
    ]


def test_push_overwrites_files_and_records_an_audit_event(
    admin_client, sync_dir, team
) -> None:
    (sync_dir / "teams").mkdir(parents=True)
    (sync_dir / "teams" / "Producers.yaml").write_text("stale")

    admin_client.post("/api/v1/sync/push")

    assert read(sync_dir / "teams" / "Producers.yaml")["id"] == str(team.id)
    event = Event.objects.get(action="sync.pushed")
    assert event.entity_type == "sync"
    assert event.actor_id == team.id
    assert event.payload == {"teams": 1, "assets": 0, "contracts": 0}


@pytest.mark.parametrize(
    ("fqn", "name"),
    [("wh.sch.orders", "wh_sch_orders.yaml"), ("a/b.c", "a__b_c.yaml")],
)
def test_asset_file_names_escape_slashes_then_dots(fqn, name) -> None:
    assert asset_file_name(fqn) == name


# --- Pull -----------------------------------------------------------------------------------


def test_pull_restores_what_push_wrote(admin_client, sync_dir, populated, team):
    admin_client.post("/api/v1/sync/push")
    Asset.objects.filter(pk=populated["asset"].pk).update(metadata={})
    Contract.objects.filter(pk=populated["current"].pk).update(status="retired")
    Registration.objects.filter(pk=populated["registration"].pk).update(
        status="inactive"
    )

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "path": str(sync_dir),
        "imported": {"teams": 2, "assets": 2, "contracts": 2},
    }
    assert Asset.objects.get(pk=populated["asset"].pk).metadata == {"k": "v"}
    assert Contract.objects.get(pk=populated["current"].pk).status == "active"
    assert Registration.objects.get(pk=populated["registration"].pk).status == "active"
    # Soft deletion is not part of the files: it is left as it was.
    assert Asset.objects.get(pk=populated["deleted"].pk).deleted_at is not None


def write_files(sync_dir, team_id, asset_id, contract_id, registration_id):  # type: ignore[no-untyped-def]
    (sync_dir / "teams").mkdir(parents=True)
    (sync_dir / "assets").mkdir(parents=True)
    (sync_dir / "teams" / "Imported.yaml").write_text(
        json.dumps({"id": str(team_id), "name": "Imported", "metadata": {"x": 1}})
    )
    (sync_dir / "assets" / "wh_imported.yaml").write_text(
        json.dumps(
            {
                "id": str(asset_id),
                "fqn": "wh.imported",
                "owner_team_id": str(team_id),
                "metadata": {},
                "contracts": [
                    {
                        "id": str(contract_id),
                        "version": "2.0.0",
                        "schema": {"type": "object"},
                        "compatibility_mode": "full",
                        "guarantees": {"freshness": {"max_staleness_minutes": 5}},
                        "status": "active",
                        "registrations": [
                            {
                                "id": str(registration_id),
                                "consumer_team_id": str(team_id),
                                "pinned_version": None,
                                "status": "migrating",
                            }
                        ],
                    }
                ],
            }
        )
    )


def test_pull_inserts_new_rows_by_id_and_is_idempotent(admin_client, sync_dir):
    ids = [uuid.uuid4() for _ in range(4)]
    write_files(sync_dir, *ids)

    first = admin_client.post("/api/v1/sync/pull")
    second = admin_client.post("/api/v1/sync/pull")

    assert first.json()["imported"] == {"teams": 1, "assets": 1, "contracts": 1}
    assert second.json() == first.json()
    team = Team.objects.get(pk=ids[0])
    assert (team.name, team.metadata) == ("Imported", {"x": 1})
    asset = Asset.objects.get(pk=ids[1])
    assert (asset.fqn, asset.owner_team_id, asset.environment) == (
        "wh.imported",
        ids[0],
        "production",
    )
    contract = Contract.objects.get(pk=ids[2])
    assert contract.published_by == ids[0]  # the asset's owner
    assert contract.compatibility_mode == "full"
    assert contract.guarantees == {"freshness": {"max_staleness_minutes": 5}}
    registration = Registration.objects.get(pk=ids[3])
    assert (registration.contract_id, registration.status) == (ids[2], "migrating")
    assert Asset.objects.count() == 1
    assert Contract.objects.count() == 1
    assert Event.objects.filter(action="sync.pulled").count() == 2


def test_pull_updates_existing_rows_and_keeps_the_environment(
    admin_client, sync_dir, team
) -> None:
    asset = make_asset(team, "wh.old", environment="staging")
    ids = [team.id, asset.id, uuid.uuid4(), uuid.uuid4()]
    write_files(sync_dir, *ids)

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 200
    team.refresh_from_db()
    asset.refresh_from_db()
    assert (team.name, team.metadata) == ("Imported", {"x": 1})
    assert (asset.fqn, asset.environment) == ("wh.imported", "staging")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("id: 1\nname: [", "not valid YAML"),
        ("[]", "the top level must be a mapping"),
        ('{"name": "X"}', "id: missing"),
        ('{"id": "nope", "name": "X"}', "id: not a valid UUID"),
        (json.dumps({"id": str(uuid.UUID(int=1)), "name": ""}), "name: must be"),
    ],
)
def test_a_malformed_team_file_is_a_bad_request_naming_it(
    admin_client, sync_dir, content, problem
) -> None:
    write_files(sync_dir, *[uuid.uuid4() for _ in range(4)])
    (sync_dir / "teams" / "Broken.yaml").write_text(content)

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith("Invalid sync file teams/Broken.yaml: ")
    assert problem in message
    assert not Team.objects.filter(name="Imported").exists()  # nothing written


def test_block_style_files_as_the_reference_writes_them_are_imported(
    admin_client, sync_dir
) -> None:
    team_id = uuid.uuid4()
    (sync_dir / "teams").mkdir(parents=True)
    (sync_dir / "teams" / "Reference.yaml").write_text(
        f"id: {team_id}\nname: Reference\nmetadata:\n  tier: gold\n"
    )

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 200, response.content
    team = Team.objects.get(pk=team_id)
    assert (team.name, team.metadata) == ("Reference", {"tier": "gold"})


def test_a_bad_enum_in_an_asset_file_is_a_bad_request_and_nothing_is_written(
    admin_client, sync_dir
) -> None:
    ids = [uuid.uuid4() for _ in range(4)]
    write_files(sync_dir, *ids)
    path = sync_dir / "assets" / "wh_imported.yaml"
    document = json.loads(path.read_text())
    document["contracts"][0]["registrations"][0]["status"] = "paused"
    path.write_text(json.dumps(document))

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid sync file assets/wh_imported.yaml: contracts[0].registrations[0]."
        "status: must be one of active, migrating, inactive"
    )
    assert not Team.objects.filter(pk=ids[0]).exists()


def test_a_taken_team_name_is_a_bad_request_and_rolls_back(
    admin_client, sync_dir, make_team
) -> None:
    make_team("Imported")
    ids = [uuid.uuid4() for _ in range(4)]
    write_files(sync_dir, *ids)

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid sync file teams/Imported.yaml: team name 'Imported' belongs to "
        "another team"
    )
    assert not Asset.objects.filter(pk=ids[1]).exists()
    assert not Event.objects.filter(action="sync.pulled").exists()


def test_an_unknown_owner_team_is_a_bad_request_naming_the_asset_file(
    admin_client, sync_dir
) -> None:
    ids = [uuid.uuid4() for _ in range(4)]
    write_files(sync_dir, *ids)
    (sync_dir / "teams" / "Imported.yaml").unlink()

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"Invalid sync file assets/wh_imported.yaml: owner_team_id {ids[0]}: "
        "team not found"
    )


def test_a_taken_contract_version_is_a_bad_request(admin_client, sync_dir, team):
    asset = make_asset(team, "wh.imported")
    make_contract(asset, "2.0.0")
    ids = [team.id, asset.id, uuid.uuid4(), uuid.uuid4()]
    write_files(sync_dir, *ids)

    response = admin_client.post("/api/v1/sync/pull")

    assert response.status_code == 400
    assert (
        "contract version '2.0.0' exists with another id"
        in (response.json()["error"]["message"])
    )
    assert not Contract.objects.filter(pk=ids[2]).exists()
