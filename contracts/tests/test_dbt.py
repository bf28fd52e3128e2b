"""dbt: POST /sync/dbt and /sync/dbt/impact (API.md 5.7.3-5.7.4, WORKFLOWS.md 9)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Event
from contracts.models import Asset
from contracts.services.dbt import json_type, schema_from_columns
from contracts.tests.factories import make_asset, make_contract

# --- Column type mapping (WORKFLOWS.md 9.3), no database ---------------------------------


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        ("VARCHAR(255)", "string"),
        ("character varying", "string"),
        ("text", "string"),
        ("BIGINT", "integer"),
        ("int32", "integer"),
        ("NUMERIC(10, 2)", "number"),
        ("real", "number"),
        ("float64", "number"),
        ("Boolean", "boolean"),
        ("timestamp_ntz", "string"),
        ("date", "string"),
        ("jsonb", "object"),
        ("VARIANT", "object"),
        ("array", "array"),
        ("array<string>", "string"),  # only "(" truncates
        ("geography", "string"),
        (None, "string"),
        ("  int  (4)", "integer"),
    ],
)
def test_dbt_types_map_to_json_schema_types(data_type, expected) -> None:
    assert json_type(data_type) == expected


def test_the_derived_schema_has_descriptions_only_when_non_empty() -> None:
    columns = {
        "id": {"data_type": "int", "description": "Key"},
        "name": {"data_type": None, "description": ""},
    }

    assert schema_from_columns(columns) == {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "description": "Key"},
            "name": {"type": "string"},
        },
        "required": [],
    }


# --- Manifests ------------------------------------------------------------------------------


def model(name: str, columns: dict[str, Any] | None = None, **fields: Any) -> dict:
    return {
        "resource_type": "model",
        "database": "WH",
        "schema": "Marts",
        "name": name,
        "description": f"{name} model",
        "tags": ["daily"],
        "columns": columns or {},
        **fields,
    }


def manifest() -> dict[str, Any]:
    return {
        "nodes": {
            "model.proj.orders": model(
                "orders",
                {
                    "id": {"data_type": "bigint", "description": "Order id"},
                    "total": {"data_type": None},
                },
            ),
            "test.proj.not_null": {
                "resource_type": "test",
                "database": "WH",
                "schema": "Marts",
                "name": "not_null",
            },
            "seed.proj.codes": model("codes", resource_type="seed"),
            "model.proj.no_db": model("no_db", database=None),
        },
        "sources": {
            "source.proj.raw.events": {
                "database": "RAW",
                "schema": "Web",
                "name": "events",
                "identifier": "events_v2",
                "description": "Raw events",
                "columns": {"at": {"data_type": "timestamp", "description": ""}},
            }
        },
    }


@pytest.fixture
def manifest_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest()))
    return path


def sync_url(path: Any, owner: Any) -> str:
    return f"/api/v1/sync/dbt?manifest_path={path}&owner_team_id={owner}"


# --- POST /sync/dbt ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/api/v1/sync/dbt?manifest_path=/x&owner_team_id=" + str(uuid.uuid4()), None),
        (
            "/api/v1/sync/dbt/impact",
            {"manifest": {}, "owner_team_id": str(uuid.uuid4())},
        ),
    ],
    ids=["sync", "impact"],  # stable ids: the parameters hold random UUIDs
)
def test_dbt_endpoints_need_the_admin_scope(url, data, writer_client) -> None:
    response = writer_client.post(url, data, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_SCOPE"


@pytest.mark.django_db
def test_dbt_sync_creates_assets_for_models_seeds_and_sources(
    admin_client, manifest_file, team
) -> None:
    response = admin_client.post(sync_url(manifest_file, team.id))

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "manifest": str(manifest_file),
        "assets": {"created": 3, "updated": 0},
    }
    assert list(Asset.objects.order_by("fqn").values_list("fqn", flat=True)) == [
        "raw.web.events",
        "wh.marts.codes",
        "wh.marts.orders",
    ]
    orders = Asset.objects.get(fqn="wh.marts.orders")
    assert (orders.owner_team_id, orders.environment) == (team.id, "production")
    assert orders.metadata == {
        "dbt_node_id": "model.proj.orders",
        "resource_type": "model",
        "description": "orders model",
        "tags": ["daily"],
        "columns": {
            "id": {"description": "Order id", "data_type": "bigint"},
            "total": {"description": "", "data_type": None},
        },
    }
    assert Asset.objects.get(fqn="raw.web.events").metadata == {
        "dbt_source_id": "source.proj.raw.events",
        "resource_type": "source",
        "description": "Raw events",
        "columns": {"at": {"description": "", "data_type": "timestamp"}},
    }
    assert Event.objects.get(action="sync.dbt_synced").payload == {
        "created": 3,
        "updated": 0,
    }


@pytest.mark.django_db
def test_dbt_sync_replaces_metadata_of_existing_assets_and_keeps_the_owner(
    admin_client, manifest_file, team, other_team
) -> None:
    existing = make_asset(
        other_team, "wh.marts.orders", metadata={"old": True}, deleted_at=timezone.now()
    )

    response = admin_client.post(sync_url(manifest_file, team.id))

    assert response.json()["assets"] == {"created": 2, "updated": 1}
    existing.refresh_from_db()
    assert existing.owner_team_id == other_team.id
    assert "old" not in existing.metadata
    assert existing.metadata["dbt_node_id"] == "model.proj.orders"


@pytest.mark.django_db
def test_dbt_sync_prefers_the_default_environment_asset(
    admin_client, manifest_file, team, settings
) -> None:
    settings.DEFAULT_ENVIRONMENT = "prod-eu"
    staging = make_asset(team, "wh.marts.orders", environment="staging")
    default = make_asset(team, "wh.marts.orders", environment="prod-eu")

    admin_client.post(sync_url(manifest_file, team.id))

    assert Asset.objects.get(pk=default.pk).metadata["dbt_node_id"] == (
        "model.proj.orders"
    )
    assert Asset.objects.get(pk=staging.pk).metadata == {}


@pytest.mark.django_db
def test_a_missing_manifest_is_not_found(admin_client, tmp_path, team) -> None:
    for path in (tmp_path / "absent.json", tmp_path):  # absent, and a directory
        response = admin_client.post(sync_url(path, team.id))

        assert response.status_code == 404
        assert response.json()["error"]["message"] == f"Manifest not found: {path}"


@pytest.mark.django_db
def test_an_invalid_manifest_is_a_bad_request(admin_client, tmp_path, team) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{not json")

    response = admin_client.post(sync_url(path, team.id))

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(f"Invalid manifest {path}: ")


@pytest.mark.django_db
def test_an_unknown_owner_is_not_found_and_nothing_is_written(
    admin_client, manifest_file, team
) -> None:
    make_asset(team, "wh.marts.orders")

    response = admin_client.post(sync_url(manifest_file, uuid.uuid4()))

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Owner team not found"
    assert Asset.objects.get(fqn="wh.marts.orders").metadata == {}


@pytest.mark.django_db
def test_dbt_sync_validates_its_query(admin_client) -> None:
    response = admin_client.post("/api/v1/sync/dbt?owner_team_id=nope")

    assert response.status_code == 422
    locations = {tuple(item["loc"]) for item in response.json()["detail"]}
    assert locations == {("query", "manifest_path"), ("query", "owner_team_id")}


# --- POST /sync/dbt/impact ----------------------------------------------------------------


def impact(client, document: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/sync/dbt/impact",
        {"manifest": document, "owner_team_id": str(uuid.uuid4())},
        format="json",
    )


@pytest.mark.django_db
def test_impact_reports_each_model_and_the_summary(admin_client, team) -> None:
    compatible = make_asset(team, "wh.marts.orders")
    make_contract(
        compatible,
        "1.0.0",
        schema={"type": "object", "properties": {"id": {"type": "integer"}}},
    )
    breaking = make_asset(team, "wh.marts.codes")
    make_contract(
        breaking,
        "1.0.0",
        schema={"type": "object", "properties": {"code": {"type": "string"}}},
    )
    make_asset(team, "raw.web.events")  # an asset without a contract

    response = impact(admin_client, manifest())

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in body if key != "results"} == {
        "status": "breaking_changes_detected",
        "total_models": 3,
        "models_with_contracts": 2,
        "breaking_changes_count": 1,
    }
    orders, codes, events = body["results"]
    assert orders == {
        "fqn": "wh.marts.orders",
        "node_id": "model.proj.orders",
        "has_contract": True,
        "safe_to_publish": True,
        "change_type": "minor",
        "breaking_changes": [],
    }
    assert codes["node_id"] == "seed.proj.codes"
    assert (codes["safe_to_publish"], codes["change_type"]) == (False, "major")
    assert [change["type"] for change in codes["breaking_changes"]] == [
        "property_removed"
    ]
    assert codes["breaking_changes"][0]["path"]
    assert events == {
        "fqn": "raw.web.events",
        "node_id": "source.proj.raw.events",
        "has_contract": False,
        "safe_to_publish": True,
        "change_type": None,
        "breaking_changes": [],
    }


@pytest.mark.django_db
def test_impact_of_models_without_assets_is_success(admin_client) -> None:
    body = impact(admin_client, manifest()).json()

    assert body["status"] == "success"
    assert (body["total_models"], body["models_with_contracts"]) == (3, 0)
    assert all(not result["has_contract"] for result in body["results"])


@pytest.mark.django_db
def test_impact_uses_the_latest_active_contract(admin_client, team) -> None:
    asset = make_asset(team, "wh.marts.codes")
    now = timezone.now()
    make_contract(
        asset,
        "1.0.0",
        schema={"type": "object", "properties": {"code": {"type": "string"}}},
        published_at=now - timedelta(days=1),
    )
    make_contract(asset, "2.0.0", schema={"type": "object"}, published_at=now)
    make_contract(
        asset,
        "3.0.0",
        schema={"type": "object", "properties": {"x": {"type": "string"}}},
        status="deprecated",
        published_at=now + timedelta(days=1),
    )

    body = impact(admin_client, {"nodes": {"seed.proj.codes": model("codes")}}).json()

    assert body["results"][0]["has_contract"] is True
    assert body["results"][0]["safe_to_publish"] is True  # compared with 2.0.0


@pytest.mark.django_db
def test_impact_needs_a_manifest_object(admin_client) -> None:
    response = admin_client.post(
        "/api/v1/sync/dbt/impact",
        {"manifest": [], "owner_team_id": str(uuid.uuid4())},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "manifest"]
    assert response.json()["detail"][0]["type"] == "dict_type"
