"""Contract reads, comparisons and schema validation over HTTP (API.md 5.2.9-5.2.11, 5.3, 5.6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from contracts.tests.factories import make_asset, make_contract, make_registration

pytestmark = pytest.mark.django_db

A = {"type": "object", "properties": {"a": {"type": "string"}}}
AB = {
    "type": "object",
    "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
}
B_INT = {"type": "object", "properties": {"b": {"type": "integer"}}}
MISSING_ID = "00000000-0000-0000-0000-00000000abcd"


@pytest.fixture
def reader(client_for, team):
    client = client_for(team, ["read"])
    client.get("/api/v1/contracts")  # the key's first use records last_used_at
    return client


@pytest.fixture
def asset(team):
    return make_asset(team, fqn="warehouse.events")


@pytest.fixture
def versions(asset) -> list[Any]:
    """Three contracts of ``asset``, oldest first, published a minute apart."""
    start = timezone.now() - timedelta(hours=1)
    return [
        make_contract(
            asset,
            "1.0.0",
            A,
            status="deprecated",
            compatibility_mode="forward",
            published_at=start,
        ),
        make_contract(
            asset,
            "1.1.0",
            AB,
            status="deprecated",
            compatibility_mode="full",
            published_at=start + timedelta(minutes=1),
        ),
        make_contract(asset, "2.0.0", B_INT, published_at=start + timedelta(minutes=2)),
    ]


def ids(response: Any) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


# --- GET /assets/{id}/contracts ---------------------------------------------------------


def test_an_assets_contracts_are_listed_newest_first(reader, asset, versions):
    response = reader.get(f"/api/v1/assets/{asset.id}/contracts")

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert ids(response) == [str(contract.id) for contract in reversed(versions)]
    first = body["results"][0]
    assert first["schema_def"] == B_INT
    assert "schema" not in first


def test_asset_contracts_page_by_limit_and_offset(reader, asset, versions):
    response = reader.get(f"/api/v1/assets/{asset.id}/contracts?limit=1&offset=1")

    assert ids(response) == [str(versions[1].id)]
    assert response.json()["total"] == 3


def test_an_unknown_assets_contracts_are_an_empty_page(reader):
    response = reader.get(f"/api/v1/assets/{MISSING_ID}/contracts")

    assert response.status_code == 200
    assert response.json() == {"results": [], "total": 0, "limit": 50, "offset": 0}


def test_a_deleted_assets_contracts_are_still_listed(reader, team):
    asset = make_asset(team, deleted_at=timezone.now())
    make_contract(asset)

    assert reader.get(f"/api/v1/assets/{asset.id}/contracts").json()["total"] == 1


def test_a_limit_above_the_maximum_is_422(reader, asset):
    response = reader.get(f"/api/v1/assets/{asset.id}/contracts?limit=101")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_listing_asset_contracts_takes_constant_queries(
    reader, asset, versions, django_assert_num_queries
):
    for index in range(10):
        make_contract(asset, f"3.0.{index}", A, status="deprecated")
    # key, the request's savepoint pair, count, page
    with django_assert_num_queries(5):
        response = reader.get(f"/api/v1/assets/{asset.id}/contracts")
    assert response.json()["total"] == 13


# --- GET /assets/{id}/contracts/history -------------------------------------------------


def test_history_compares_each_version_with_the_previous_one(
    reader, asset, versions, team
):
    response = reader.get(f"/api/v1/assets/{asset.id}/contracts/history?limit=1")

    assert response.status_code == 200
    body = response.json()
    assert (body["asset_id"], body["asset_fqn"]) == (str(asset.id), "warehouse.events")
    assert [
        (
            entry["version"],
            entry["status"],
            entry["change_type"],
            entry["breaking_changes_count"],
        )
        for entry in body["contracts"]
    ] == [
        # a removed and b retyped, breaking under 1.1.0's "full" mode
        ("2.0.0", "active", "major", 2),
        # b added: breaking under 1.0.0's "forward" mode
        ("1.1.0", "deprecated", "minor", 1),
        ("1.0.0", "deprecated", "initial", 0),
    ]
    assert set(body["contracts"][0]) == {
        "id",
        "version",
        "status",
        "published_at",
        "published_by",
        "compatibility_mode",
        "change_type",
        "breaking_changes_count",
    }
    assert body["contracts"][0]["published_by"] == str(team.id)
    assert body["contracts"][0]["compatibility_mode"] == "backward"


def test_history_of_an_unknown_asset_is_404(reader):
    response = reader.get(f"/api/v1/assets/{MISSING_ID}/contracts/history")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Asset not found"


def test_history_of_a_deleted_asset_is_served(reader, team):
    asset = make_asset(team, deleted_at=timezone.now())

    response = reader.get(f"/api/v1/assets/{asset.id}/contracts/history")

    assert response.status_code == 200
    assert response.json()["contracts"] == []


def test_history_takes_constant_queries(
    reader, asset, versions, django_assert_num_queries
):
    for index in range(10):
        make_contract(asset, f"3.0.{index}", AB, status="deprecated")
    # key, savepoint pair, asset, all its contracts
    with django_assert_num_queries(5):
        response = reader.get(f"/api/v1/assets/{asset.id}/contracts/history")
    assert len(response.json()["contracts"]) == 13


# --- GET /assets/{id}/contracts/diff -----------------------------------------------------


def test_version_diff(reader, asset, versions):
    response = reader.get(
        f"/api/v1/assets/{asset.id}/contracts/diff?from_version=1.0.0&to_version=1.1.0"
    )

    assert response.status_code == 200
    assert response.json() == {
        "asset_id": str(asset.id),
        "asset_fqn": "warehouse.events",
        "from_version": "1.0.0",
        "to_version": "1.1.0",
        "change_type": "minor",
        "is_compatible": False,
        "is_breaking": True,
        "breaking_changes": [
            {
                "type": "property_added",
                "path": "properties.b",
                "message": "Property 'b' was added",
                "old_value": None,
                "new_value": {"type": "string"},
                "change_type": "property_added",
            }
        ],
        "all_changes": [
            {
                "type": "property_added",
                "path": "properties.b",
                "message": "Property 'b' was added",
                "old_value": None,
                "new_value": {"type": "string"},
                "change_type": "property_added",
            }
        ],
        "compatibility_mode": "forward",
    }


def test_version_diff_may_run_backwards(reader, asset, versions):
    response = reader.get(
        f"/api/v1/assets/{asset.id}/contracts/diff?from_version=2.0.0&to_version=1.0.0"
    )

    body = response.json()
    assert body["compatibility_mode"] == "backward"
    assert body["is_compatible"] is False
    assert body["is_breaking"] is True


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "from_version=9.0.0&to_version=1.0.0",
            "Contract version '9.0.0' not found for this asset",
        ),
        (
            "from_version=1.0.0&to_version=9.0.0",
            "Contract version '9.0.0' not found for this asset",
        ),
        (
            "from_version=8.0.0&to_version=9.0.0",
            "Contract version '8.0.0' not found for this asset",
        ),
    ],
)
def test_version_diff_of_unknown_versions_is_404(
    reader, asset, versions, query, message
):
    response = reader.get(f"/api/v1/assets/{asset.id}/contracts/diff?{query}")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == message


def test_version_diff_of_an_unknown_asset_is_404(reader):
    response = reader.get(
        f"/api/v1/assets/{MISSING_ID}/contracts/diff?from_version=1.0.0&to_version=1.0.0"
    )

    assert response.json()["error"]["message"] == "Asset not found"


def test_version_diff_needs_both_versions(reader, asset):
    response = reader.get(
        f"/api/v1/assets/{asset.id}/contracts/diff?from_version=1.0.0"
    )

    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [
        ["query", "to_version"]
    ]


def test_version_diff_takes_constant_queries(
    reader, asset, versions, django_assert_num_queries
):
    # key, savepoint pair, asset, both contracts
    with django_assert_num_queries(5):
        reader.get(
            f"/api/v1/assets/{asset.id}/contracts/diff?from_version=1.0.0&to_version=2.0.0"
        )


# --- GET /contracts ------------------------------------------------------------------------


def test_contracts_are_listed_newest_first_across_assets(reader, asset, versions, team):
    other = make_contract(
        make_asset(team), "0.1.0", A, published_at=timezone.now() - timedelta(days=1)
    )

    response = reader.get("/api/v1/contracts")

    assert ids(response) == [
        *(str(contract.id) for contract in reversed(versions)),
        str(other.id),
    ]
    assert "schema_def" in response.json()["results"][0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["2.0.0"]),
        ("status=deprecated", ["1.1.0", "1.0.0"]),
        ("version=1.", ["1.1.0", "1.0.0"]),
        ("version=.1", ["1.1.0"]),
        ("status=deprecated&version=0.0", ["1.0.0"]),
    ],
)
def test_contracts_are_filtered(reader, asset, versions, query, expected):
    response = reader.get(f"/api/v1/contracts?asset_id={asset.id}&{query}")

    assert [row["version"] for row in response.json()["results"]] == expected


def test_contracts_filter_by_asset(reader, asset, versions, team):
    make_contract(make_asset(team))

    response = reader.get(f"/api/v1/contracts?asset_id={asset.id}")

    assert response.json()["total"] == 3


def test_version_filter_is_case_insensitive(reader, asset):
    make_contract(asset, "1.0.0-RC1", A)

    assert reader.get("/api/v1/contracts?version=rc1").json()["total"] == 1


@pytest.mark.parametrize(
    ("query", "loc"),
    [("status=ACTIVE", ["query", "status"]), ("asset_id=nope", ["query", "asset_id"])],
)
def test_malformed_contract_filters_are_422(reader, query, loc):
    response = reader.get(f"/api/v1/contracts?{query}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_listing_contracts_takes_constant_queries(
    reader, asset, versions, django_assert_num_queries
):
    with django_assert_num_queries(5):
        reader.get(f"/api/v1/contracts?asset_id={asset.id}&status=deprecated")


def test_listing_contracts_needs_the_read_scope(client_for, team):
    response = client_for(team, ["write"]).get("/api/v1/contracts")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_SCOPE"


# --- GET /contracts/{id} -------------------------------------------------------------------


def test_a_contract_is_shown_with_its_schema_under_schema(reader, versions):
    response = reader.get(f"/api/v1/contracts/{versions[0].id}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "asset_id",
        "version",
        "schema",
        "compatibility_mode",
        "guarantees",
        "status",
        "published_at",
        "published_by",
    }
    assert body["schema"] == A
    assert body["status"] == "deprecated"


def test_an_unknown_contract_is_404_with_its_id(reader):
    response = reader.get(f"/api/v1/contracts/{MISSING_ID}")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "CONTRACT_NOT_FOUND"
    assert error["message"] == f"Contract with ID '{MISSING_ID}' not found"
    assert error["details"] == {"contract_id": MISSING_ID}


def test_a_malformed_contract_id_is_422(reader):
    response = reader.get("/api/v1/contracts/nope")

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "uuid_parsing"


def test_a_trailing_slash_redirects(reader, versions):
    response = reader.get(f"/api/v1/contracts/{versions[0].id}/")

    assert response.status_code == 307
    assert response["Location"] == f"/api/v1/contracts/{versions[0].id}"


# --- GET /contracts/{id}/registrations -------------------------------------------------


def test_a_contracts_registrations_are_listed_newest_first(reader, versions, make_team):
    contract = versions[0]
    older = make_registration(contract, make_team("Analytics"))
    newer = make_registration(contract, make_team("Finance"), status="inactive")
    older.registered_at = timezone.now() - timedelta(days=1)
    older.save()
    make_registration(versions[1], make_team("Elsewhere"))

    response = reader.get(f"/api/v1/contracts/{contract.id}/registrations")

    assert response.status_code == 200
    assert ids(response) == [str(newer.id), str(older.id)]
    assert response.json()["results"][0] == {
        "id": str(newer.id),
        "contract_id": str(contract.id),
        "consumer_team_id": str(newer.consumer_team_id),
        "pinned_version": None,
        "status": "inactive",
        "registered_at": response.json()["results"][0]["registered_at"],
        "acknowledged_at": None,
    }


def test_registrations_of_an_unknown_contract_are_404(reader):
    response = reader.get(f"/api/v1/contracts/{MISSING_ID}/registrations")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CONTRACT_NOT_FOUND"


def test_listing_a_contracts_registrations_takes_constant_queries(
    reader, versions, make_team, django_assert_num_queries
):
    for index in range(5):
        make_registration(versions[0], make_team(f"Consumer {index}"))
    # key, savepoint pair, contract, count, page
    with django_assert_num_queries(6):
        reader.get(f"/api/v1/contracts/{versions[0].id}/registrations")


# --- POST /contracts/compare -------------------------------------------------------------


def test_compare_two_contracts(reader, versions):
    old, new = versions[0], versions[2]

    response = reader.post(
        "/api/v1/contracts/compare",
        {"contract_id_1": str(old.id), "contract_id_2": str(new.id)},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["contract_1"] == {
        "id": str(old.id),
        "version": "1.0.0",
        "published_at": body["contract_1"]["published_at"],
        "asset_id": str(old.asset_id),
    }
    assert body["contract_2"]["version"] == "2.0.0"
    assert body["change_type"] == "major"
    assert body["compatibility_mode"] == "forward"
    assert [change["type"] for change in body["all_changes"]] == [
        "property_removed",
        "property_added",
    ]
    assert [change["type"] for change in body["breaking_changes"]] == ["property_added"]
    assert body["is_compatible"] is False


def test_compare_under_a_requested_mode(reader, versions):
    response = reader.post(
        "/api/v1/contracts/compare",
        {
            "contract_id_1": str(versions[0].id),
            "contract_id_2": str(versions[2].id),
            "compatibility_mode": "none",
        },
        format="json",
    )

    body = response.json()
    assert (
        body["compatibility_mode"],
        body["is_compatible"],
        body["breaking_changes"],
    ) == ("none", True, [])


def test_compare_contracts_of_different_assets(reader, versions, team):
    other = make_contract(make_asset(team), "9.0.0", A)

    response = reader.post(
        "/api/v1/contracts/compare",
        {"contract_id_1": str(versions[0].id), "contract_id_2": str(other.id)},
        format="json",
    )

    assert response.json()["change_type"] == "patch"


@pytest.mark.parametrize("missing_first", [True, False])
def test_compare_reports_the_first_missing_contract(reader, versions, missing_first):
    other = "00000000-0000-0000-0000-00000000beef"
    first, second = (
        (MISSING_ID, other) if missing_first else (str(versions[0].id), other)
    )

    response = reader.post(
        "/api/v1/contracts/compare",
        {"contract_id_1": first, "contract_id_2": second},
        format="json",
    )

    assert response.status_code == 404
    expected = MISSING_ID if missing_first else other
    assert response.json()["error"]["code"] == "CONTRACT_NOT_FOUND"
    assert response.json()["error"]["details"] == {"contract_id": expected}


def test_compare_validates_its_body(reader):
    response = reader.post(
        "/api/v1/contracts/compare",
        {"contract_id_1": "x", "compatibility_mode": "FULL"},
        format="json",
    )

    assert response.status_code == 422
    assert {tuple(item["loc"]) for item in response.json()["detail"]} == {
        ("body", "contract_id_1"),
        ("body", "contract_id_2"),
        ("body", "compatibility_mode"),
    }


def test_compare_needs_only_the_read_scope(client_for, team, versions):
    response = client_for(team, ["read"]).post(
        "/api/v1/contracts/compare",
        {"contract_id_1": str(versions[0].id), "contract_id_2": str(versions[1].id)},
        format="json",
    )

    assert response.status_code == 200


def test_compare_takes_constant_queries(reader, versions, django_assert_num_queries):
    with django_assert_num_queries(4):
        reader.post(
            "/api/v1/contracts/compare",
            {
                "contract_id_1": str(versions[0].id),
                "contract_id_2": str(versions[1].id),
            },
            format="json",
        )


# --- POST /schemas/validate ----------------------------------------------------------------


def test_a_valid_schema(api_client):
    response = api_client.post("/api/v1/schemas/validate", A, format="json")

    assert response.status_code == 200
    assert response.json() == {"valid": True, "errors": []}


def test_an_invalid_schema_lists_its_errors(api_client):
    response = api_client.post(
        "/api/v1/schemas/validate",
        {
            "type": "object",
            "properties": {"id": {"type": "not_a_type"}},
            "required": ["a", "a"],
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert sorted(response.json()["errors"]) == [
        "properties.id.type: 'not_a_type' is not valid under any of the given schemas",
        "required: ['a', 'a'] has non-unique elements",
    ]


def test_validation_needs_no_credentials_and_ignores_bad_ones(api_client):
    response = api_client.post(
        "/api/v1/schemas/validate",
        A,
        format="json",
        HTTP_AUTHORIZATION="Token nonsense",
    )

    assert response.status_code == 200


def test_validation_applies_no_size_limits(api_client, settings):
    settings.MAX_SCHEMA_PROPERTIES = 1
    settings.MAX_SCHEMA_SIZE_BYTES = 10

    response = api_client.post("/api/v1/schemas/validate", AB, format="json")

    assert response.json() == {"valid": True, "errors": []}


@pytest.mark.parametrize("body", [[], "x", 1, None])
def test_only_objects_can_be_validated(api_client, body):
    response = api_client.post("/api/v1/schemas/validate", body, format="json")

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] in {"dict_type", "missing"}


def test_a_missing_or_malformed_body_is_422(api_client):
    missing = api_client.post("/api/v1/schemas/validate")
    malformed = api_client.post(
        "/api/v1/schemas/validate", "{", content_type="application/json"
    )

    assert missing.json()["detail"][0]["type"] == "missing"
    assert malformed.json()["detail"][0]["type"] == "json_invalid"


def test_validation_touches_no_table(api_client, django_assert_num_queries):
    # Only the request's savepoint pair.
    with django_assert_num_queries(2):
        api_client.post("/api/v1/schemas/validate", A, format="json")
