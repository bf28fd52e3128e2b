"""``POST /api/v1/assets/{asset_id}/contracts`` over HTTP (API.md 5.2.8, WORKFLOWS.md 4)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from audit.models import Event
from contracts.models import Contract, Proposal
from contracts.services import proposals, publishing
from contracts.tests.factories import make_asset, make_contract, make_registration

pytestmark = pytest.mark.django_db

V1 = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id"],
}
ADD_NAME = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
    },
    "required": ["id"],
}
DROP_EMAIL = {
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "required": ["id"],
}


def publish_url(asset: Any, team: Any = None, **query: str) -> str:
    params = {"published_by": str(team.id)} if team is not None else {}
    params.update(query)
    text = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/assets/{asset.id}/contracts" + (f"?{text}" if text else "")


@pytest.fixture
def webhooks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Events the services queue, as JSON (the outbox itself is tested in webhooks/)."""
    sent: list[tuple[str, dict[str, Any]]] = []

    def record(event_type: str, payload: dict[str, Any]) -> None:
        sent.append(
            (event_type, json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
        )

    monkeypatch.setattr(publishing, "queue_event", record)
    monkeypatch.setattr(proposals, "queue_event", record)
    return sent


@pytest.fixture
def asset(team):
    return make_asset(team, fqn="warehouse.orders")


@pytest.fixture
def producer(writer_client):
    # The first request with a new key records last_used_at; warm it up so query
    # counts below measure the endpoint alone.
    writer_client.get("/api/v1/contracts")
    return writer_client


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# --- The four success bodies ---------------------------------------------------------


def test_first_publish_creates_an_active_contract_without_change_type(
    producer, asset, team
):
    response = producer.post(
        publish_url(asset, team),
        {
            "version": "1.0.0",
            "schema": V1,
            "guarantees": {"freshness": {"max_staleness_minutes": 60}},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"action", "contract", "message"}
    assert body["action"] == "published"
    assert body["message"] == "Contract published"
    contract = body["contract"]
    assert set(contract) == {
        "id",
        "asset_id",
        "version",
        "schema_def",
        "compatibility_mode",
        "guarantees",
        "status",
        "published_at",
        "published_by",
    }
    assert contract["schema_def"] == V1
    assert contract["asset_id"] == str(asset.id)
    assert contract["status"] == "active"
    assert contract["compatibility_mode"] == "backward"
    assert contract["published_by"] == str(team.id)
    assert contract["published_at"].endswith("Z")
    assert contract["guarantees"] == {
        "freshness": {"max_staleness_minutes": 60},
        "volume": None,
        "nullability": None,
        "accepted_values": None,
    }
    stored = Contract.objects.get(pk=contract["id"])
    assert stored.guarantees == contract["guarantees"]


def test_first_publish_without_guarantees_renders_null(producer, asset, team):
    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert response.json()["contract"]["guarantees"] is None


def test_compatible_change_publishes_and_deprecates_the_current_contract(
    producer, asset, team
):
    current = make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team),
        {"version": "1.1.0", "schema": ADD_NAME, "compatibility_mode": "full"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"action", "change_type", "contract", "message"}
    assert body["action"] == "published"
    assert body["change_type"] == "minor"
    assert body["contract"]["compatibility_mode"] == "full"
    current.refresh_from_db()
    assert current.status == "deprecated"
    assert Contract.objects.get(pk=body["contract"]["id"]).status == "active"


def test_breaking_change_with_force_is_force_published(producer, asset, team):
    current = make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team, force="true"),
        {"version": "2.0.0", "schema": DROP_EMAIL},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "action",
        "change_type",
        "breaking_changes",
        "contract",
        "warning",
        "message",
    }
    assert body["action"] == "force_published"
    assert body["change_type"] == "major"
    assert (
        body["warning"]
        == "Breaking change was force-published. Consumers may be affected."
    )
    assert body["message"] == "Contract published"
    assert body["breaking_changes"] == [
        {
            "type": "property_removed",
            "path": "properties.email",
            "message": "Property 'email' was removed",
            "old_value": {"type": "string"},
            "new_value": None,
            "change_type": "property_removed",
        }
    ]
    current.refresh_from_db()
    assert current.status == "deprecated"


def test_breaking_change_opens_a_proposal_and_publishes_nothing(producer, asset, team):
    current = make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team),
        {"version": "2.0.0", "schema": DROP_EMAIL},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "action",
        "change_type",
        "breaking_changes",
        "proposal",
        "message",
    }
    assert body["action"] == "proposal_created"
    assert (
        body["message"]
        == "Breaking change detected. Proposal created for consumer acknowledgment."
    )
    assert [change["type"] for change in body["breaking_changes"]] == [
        "property_removed"
    ]
    proposal = body["proposal"]
    assert set(proposal) == {
        "id",
        "asset_id",
        "proposed_schema",
        "change_type",
        "breaking_changes",
        "status",
        "proposed_by",
        "proposed_at",
        "resolved_at",
    }
    assert proposal["status"] == "pending"
    assert proposal["proposed_schema"] == DROP_EMAIL
    assert proposal["proposed_by"] == str(team.id)
    assert proposal["resolved_at"] is None
    reduced = proposal["breaking_changes"][0]
    assert reduced["type"] == "property_removed"
    assert reduced["column"] is None
    assert reduced["details"]["path"] == "properties.email"
    assert Contract.objects.filter(asset=asset).count() == 1
    current.refresh_from_db()
    assert current.status == "active"
    stored = Proposal.objects.get(pk=proposal["id"])
    assert stored.proposed_version == "2.0.0"
    assert stored.breaking_changes == body["breaking_changes"]


@pytest.mark.parametrize(
    ("mode", "schema", "action", "change_type"),
    [
        ("backward", ADD_NAME, "published", "minor"),
        ("forward", ADD_NAME, "proposal_created", "minor"),
        ("full", ADD_NAME, "proposal_created", "minor"),
        ("none", ADD_NAME, "published", "minor"),
        ("backward", DROP_EMAIL, "proposal_created", "major"),
        ("forward", DROP_EMAIL, "published", "major"),
        ("full", DROP_EMAIL, "proposal_created", "major"),
        ("none", DROP_EMAIL, "published", "major"),
        ("full", V1, "published", "patch"),
    ],
)
def test_the_current_contracts_mode_decides(
    producer, asset, team, mode, schema, action, change_type
):
    # SCHEMA_DIFF.md 9.3; the mode in the request only applies to the next publish.
    make_contract(asset, "1.0.0", V1, compatibility_mode=mode)

    response = producer.post(
        publish_url(asset, team),
        {"version": "1.1.0", "schema": schema, "compatibility_mode": "none"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["action"] == action
    assert response.json()["change_type"] == change_type


def test_only_the_latest_active_contract_is_deprecated(producer, asset, team):
    older = make_contract(
        asset, "0.9.0", V1, published_at=timezone.now() - timezone.timedelta(days=2)
    )
    latest = make_contract(
        asset, "1.0.0", V1, published_at=timezone.now() - timezone.timedelta(days=1)
    )

    producer.post(
        publish_url(asset, team), {"version": "1.1.0", "schema": V1}, format="json"
    )

    older.refresh_from_db()
    latest.refresh_from_db()
    assert (older.status, latest.status) == ("active", "deprecated")


def test_identical_republish_creates_a_patch_contract(producer, asset, team):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team), {"version": "1.0.1", "schema": V1}, format="json"
    )

    assert response.json()["change_type"] == "patch"
    assert Contract.objects.filter(asset=asset).count() == 2


# --- Side effects ----------------------------------------------------------------------


def test_direct_publish_is_audited_and_announced(producer, asset, team, webhooks):
    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
    )
    contract_id = response.json()["contract"]["id"]

    event = Event.objects.get(action="contract.published")
    assert (event.entity_type, str(event.entity_id), event.actor_id) == (
        "contract",
        contract_id,
        team.id,
    )
    assert event.payload == {"version": "1.0.0", "change_type": None, "force": False}
    assert webhooks == [
        (
            "contract.published",
            {
                "contract_id": contract_id,
                "asset_id": str(asset.id),
                "asset_fqn": "warehouse.orders",
                "version": "1.0.0",
                "producer_team_id": str(team.id),
                "producer_team_name": "Producers",
                "from_proposal_id": None,
            },
        )
    ]


def test_compatible_publish_audits_its_change_type(producer, asset, team):
    make_contract(asset, "1.0.0", V1)

    producer.post(
        publish_url(asset, team),
        {"version": "1.1.0", "schema": ADD_NAME},
        format="json",
    )

    event = Event.objects.get(action="contract.published")
    assert event.payload == {"version": "1.1.0", "change_type": "minor", "force": False}


def test_force_publish_is_audited_as_such(producer, asset, team, webhooks):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team, force="yes"),
        {"version": "2.0.0", "schema": DROP_EMAIL},
        format="json",
    )

    event = Event.objects.get(action="contract.force_published")
    assert str(event.entity_id) == response.json()["contract"]["id"]
    assert event.payload == {"version": "2.0.0", "change_type": "major", "force": True}
    assert not Event.objects.filter(action="contract.published").exists()
    assert [name for name, _ in webhooks] == ["contract.published"]


def test_proposal_is_audited_and_announced_with_impacted_consumers(
    producer, asset, team, make_team, webhooks
):
    current = make_contract(asset, "1.0.0", V1)
    analytics = make_team("Analytics")
    finance = make_team("Finance")
    make_registration(current, analytics, pinned_version="1.0.0")
    make_registration(current, analytics)  # a duplicate registration counts once
    make_registration(current, finance)
    make_registration(current, make_team("Gone"), status="inactive")

    response = producer.post(
        publish_url(asset, team),
        {"version": "2.0.0", "schema": DROP_EMAIL},
        format="json",
    )
    proposal_id = response.json()["proposal"]["id"]

    event = Event.objects.get(action="proposal.created")
    assert (event.entity_type, str(event.entity_id), event.actor_id) == (
        "proposal",
        proposal_id,
        team.id,
    )
    assert event.payload == {
        "asset_id": str(asset.id),
        "change_type": "major",
        "breaking_changes_count": 1,
    }
    assert webhooks == [
        (
            "proposal.created",
            {
                "proposal_id": proposal_id,
                "asset_id": str(asset.id),
                "asset_fqn": "warehouse.orders",
                "producer_team_id": str(team.id),
                "producer_team_name": "Producers",
                "proposed_version": "2.0.0",
                "breaking_changes": [
                    {
                        "change_type": "property_removed",
                        "path": "properties.email",
                        "message": "Property 'email' was removed",
                        "details": {"old_value": {"type": "string"}, "new_value": None},
                    }
                ],
                "impacted_consumers": [
                    {
                        "team_id": str(analytics.id),
                        "team_name": "Analytics",
                        "pinned_version": "1.0.0",
                    },
                    {
                        "team_id": str(finance.id),
                        "team_name": "Finance",
                        "pinned_version": None,
                    },
                ],
            },
        )
    ]


# --- Handler order and errors ----------------------------------------------------------


def test_unknown_asset_is_404(producer, team):
    response = producer.post(
        f"/api/v1/assets/00000000-0000-0000-0000-000000000001/contracts?published_by={team.id}",
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert error_of(response)["message"] == "Asset not found"


def test_soft_deleted_asset_is_404(producer, team):
    # REF publishes to deleted assets; API.md 5.2.8 recommends refusing.
    asset = make_asset(team, deleted_at=timezone.now())

    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Asset not found"


def test_publishing_to_another_teams_asset_is_403(client_for, other_team, asset):
    client = client_for(other_team)

    response = client.post(
        publish_url(asset, other_team),
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    assert response.status_code == 403
    assert error_of(response) | {"request_id": None, "timestamp": None} == {
        "code": "INSUFFICIENT_PERMISSIONS",
        "message": "You can only publish contracts for assets belonging to your team",
        "request_id": None,
        "timestamp": None,
    }


def test_unknown_publisher_team_is_404_before_the_publisher_check(producer, asset):
    response = producer.post(
        f"/api/v1/assets/{asset.id}/contracts?published_by=00000000-0000-0000-0000-000000000002",
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Publisher team not found"


def test_soft_deleted_publisher_team_is_404(producer, asset, make_team):
    gone = make_team("Gone")
    gone.deleted_at = timezone.now()
    gone.save()

    response = producer.post(
        publish_url(asset, gone), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Publisher team not found"


def test_publishing_on_behalf_of_another_team_is_403(producer, asset, other_team):
    response = producer.post(
        publish_url(asset, other_team),
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_PERMISSIONS"
    assert (
        error_of(response)["message"]
        == "You can only publish contracts on behalf of your own team"
    )


def test_admins_may_publish_for_any_team(client_for, make_team, asset, other_team):
    admin = client_for(make_team("Platform"), ["admin"])

    response = admin.post(
        publish_url(asset, other_team),
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["contract"]["published_by"] == str(other_team.id)


def test_invalid_json_schema_is_422_with_the_error_list(producer, asset, team):
    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": {"type": "bogus", "required": "x"}},
        format="json",
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "INVALID_SCHEMA"
    assert error["message"] == "Invalid JSON Schema"
    assert sorted(error["details"]["errors"]) == [
        "required: 'x' is not of type 'array'",
        "type: 'bogus' is not valid under any of the given schemas",
    ]


def test_invalid_schema_wins_over_a_duplicate_version(producer, asset, team):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": {"type": "bogus"}},
        format="json",
    )

    assert error_of(response)["code"] == "INVALID_SCHEMA"


@pytest.mark.parametrize(
    ("schema", "query"),
    [
        (V1, {}),  # first publish (the other contract is deprecated)
        (ADD_NAME, {}),  # compatible
        (DROP_EMAIL, {"force": "true"}),  # forced
    ],
)
def test_a_used_version_is_409(producer, asset, team, schema, query):
    make_contract(asset, "1.0.0", V1, status="deprecated" if schema is V1 else "active")

    response = producer.post(
        publish_url(asset, team, **query),
        {"version": "1.0.0", "schema": schema},
        format="json",
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "DUPLICATE_CONTRACT_VERSION"
    assert (
        error_of(response)["message"]
        == "Contract version '1.0.0' already exists for this asset"
    )
    assert Contract.objects.filter(asset=asset).count() == 1


def test_a_used_version_still_opens_a_proposal_for_a_breaking_change(
    producer, asset, team
):
    # WORKFLOWS.md 4.3: the version is checked when the proposal is published.
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": DROP_EMAIL},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["action"] == "proposal_created"


def test_a_used_version_on_another_asset_is_fine(producer, asset, team):
    make_contract(make_asset(team), "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert response.status_code == 201


# --- Request validation ----------------------------------------------------------------


def detail_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"]["code"] == "VALIDATION_ERROR"
    return body["detail"]


@pytest.mark.parametrize(
    ("version", "kind"),
    [
        ("1.0", "string_too_short"),
        ("v1.0.0", "value_error"),
        ("1.0.0 beta", "value_error"),
        ("1.0.0.0", "value_error"),
        ("1.0.0\n", "value_error"),
        ("\u0661.\u0660.\u0660", "value_error"),  # Arabic-Indic digits
        ("1" * 48 + ".0.0", "string_too_long"),
    ],
)
def test_malformed_versions_are_422(producer, asset, team, version, kind):
    response = producer.post(
        publish_url(asset, team), {"version": version, "schema": V1}, format="json"
    )

    [item] = detail_of(response)
    assert item["loc"] == ["body", "version"]
    assert item["type"] == kind


@pytest.mark.parametrize(
    "version",
    ["1.0.0", "10.20.30", "1.0.0-beta.1", "1.0.0+build.5", "1.0.0-rc-1+sha.abc"],
)
def test_semver_versions_are_accepted(producer, asset, team, version):
    response = producer.post(
        publish_url(asset, team), {"version": version, "schema": V1}, format="json"
    )

    assert response.status_code == 201


def test_pattern_errors_say_which_pattern(producer, asset, team):
    response = producer.post(
        publish_url(asset, team), {"version": "v1.0.0", "schema": V1}, format="json"
    )

    assert detail_of(response)[0]["msg"].startswith(
        "Value error, String should match pattern"
    )


def test_a_missing_body_is_422(producer, asset, team):
    response = producer.post(publish_url(asset, team))

    assert detail_of(response) == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


def test_missing_fields_are_422(producer, asset, team):
    response = producer.post(publish_url(asset, team), {}, format="json")

    assert {tuple(item["loc"]): item["type"] for item in detail_of(response)} == {
        ("body", "version"): "missing",
        ("body", "schema"): "missing",
    }


@pytest.mark.parametrize("schema", [[], "x", 1, None])
def test_the_schema_must_be_an_object(producer, asset, team, schema):
    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": schema}, format="json"
    )

    [item] = detail_of(response)
    assert item["loc"] == ["body", "schema"]


def test_schema_defs_key_is_not_accepted_as_input(producer, asset, team):
    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema_def": V1}, format="json"
    )

    assert [item["loc"] for item in detail_of(response)] == [["body", "schema"]]


def test_a_schema_above_the_size_limit_is_422(producer, asset, team, settings):
    settings.MAX_SCHEMA_SIZE_BYTES = 100
    schema = {"type": "object", "description": "x" * 200}

    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": schema}, format="json"
    )

    [item] = detail_of(response)
    assert item["type"] == "value_error"
    assert item["loc"] == ["body", "schema"]
    assert item["msg"].startswith("Value error, Schema too large.")


def test_too_many_top_level_properties_is_422(producer, asset, team, settings):
    settings.MAX_SCHEMA_PROPERTIES = 2
    schema = {
        "type": "object",
        "properties": {name: {"type": "string"} for name in "abc"},
    }

    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": schema}, format="json"
    )

    [item] = detail_of(response)
    assert item["type"] == "value_error"
    assert item["msg"].startswith("Value error, Too many properties in schema.")


def test_nested_properties_do_not_count_towards_the_limit(
    producer, asset, team, settings
):
    settings.MAX_SCHEMA_PROPERTIES = 2
    nested = {
        "type": "object",
        "properties": {name: {"type": "string"} for name in "abcdef"},
    }
    schema = {"type": "object", "properties": {"a": nested}}

    response = producer.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": schema}, format="json"
    )

    assert response.status_code == 201


def test_limits_are_checked_before_the_asset(producer, team, settings):
    settings.MAX_SCHEMA_SIZE_BYTES = 10
    response = producer.post(
        f"/api/v1/assets/00000000-0000-0000-0000-000000000001/contracts?published_by={team.id}",
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    assert response.status_code == 422


@pytest.mark.parametrize("mode", ["FULL", "strict", ""])
def test_unknown_compatibility_modes_are_422(producer, asset, team, mode):
    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": V1, "compatibility_mode": mode},
        format="json",
    )

    [item] = detail_of(response)
    assert (item["loc"], item["type"]) == (["body", "compatibility_mode"], "enum")
    assert item["msg"] == "Input should be 'backward', 'forward', 'full' or 'none'"


@pytest.mark.parametrize(
    ("guarantees", "loc"),
    [
        ({"freshness": "daily"}, ["body", "guarantees", "freshness"]),
        ({"volume": [1]}, ["body", "guarantees", "volume"]),
        ({"nullability": {"a": ["x"]}}, ["body", "guarantees", "nullability", "a"]),
        (
            {"accepted_values": {"a": "x"}},
            ["body", "guarantees", "accepted_values", "a"],
        ),
        ("strict", ["body", "guarantees"]),
    ],
)
def test_malformed_guarantees_are_422(producer, asset, team, guarantees, loc):
    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": V1, "guarantees": guarantees},
        format="json",
    )

    assert [item["loc"] for item in detail_of(response)] == [loc]


def test_guarantees_keep_the_four_keys_and_drop_unknown_ones(producer, asset, team):
    guarantees = {
        "nullability": {"id": "never"},
        "accepted_values": {"state": ["a", "b"]},
        "sla": "gold",
    }

    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": V1, "guarantees": guarantees},
        format="json",
    )

    assert response.json()["contract"]["guarantees"] == {
        "freshness": None,
        "volume": None,
        "nullability": {"id": "never"},
        "accepted_values": {"state": ["a", "b"]},
    }


def test_published_by_is_required(producer, asset):
    response = producer.post(
        publish_url(asset), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert detail_of(response) == [
        {
            "type": "missing",
            "loc": ["query", "published_by"],
            "msg": "Field required",
            "input": None,
        }
    ]


def test_a_malformed_published_by_is_422(producer, asset):
    response = producer.post(
        publish_url(asset, published_by="nope"),
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    [item] = detail_of(response)
    assert (item["loc"], item["type"]) == (["query", "published_by"], "uuid_parsing")


def test_a_malformed_asset_id_is_422(producer, team):
    response = producer.post(
        f"/api/v1/assets/nope/contracts?published_by={team.id}",
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    [item] = detail_of(response)
    assert (item["loc"], item["type"]) == (["path", "asset_id"], "uuid_parsing")


@pytest.mark.parametrize("spelling", ["true", "TRUE", "1", "yes", "On", "t", "Y"])
def test_force_accepts_the_boolean_spellings(producer, asset, team, spelling):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team, force=spelling),
        {"version": "2.0.0", "schema": DROP_EMAIL},
        format="json",
    )

    assert response.json()["action"] == "force_published"


@pytest.mark.parametrize("spelling", ["false", "0", "no", "off", "F", "n"])
def test_force_false_spellings_open_a_proposal(producer, asset, team, spelling):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team, force=spelling),
        {"version": "2.0.0", "schema": DROP_EMAIL},
        format="json",
    )

    assert response.json()["action"] == "proposal_created"


def test_other_force_values_are_422(producer, asset, team):
    response = producer.post(
        publish_url(asset, team, force="maybe"),
        {"version": "1.0.0", "schema": V1},
        format="json",
    )

    [item] = detail_of(response)
    assert item["loc"] == ["query", "force"]


def test_unknown_fields_and_parameters_are_ignored(producer, asset, team):
    response = producer.post(
        publish_url(asset, team, colour="blue"),
        {"version": "1.0.0", "schema": V1, "owner": "me"},
        format="json",
    )

    assert response.status_code == 201


# --- EXT-6: the CLI's body fields ------------------------------------------------------


@pytest.mark.parametrize("key", ["published_by", "publisher_team_id"])
def test_the_publisher_may_come_from_the_body(producer, asset, team, key):
    response = producer.post(
        publish_url(asset),
        {"version": "1.0.0", "schema": V1, key: str(team.id)},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["contract"]["published_by"] == str(team.id)


def test_the_query_publisher_wins_over_the_body(producer, asset, team, other_team):
    response = producer.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": V1, "publisher_team_id": str(other_team.id)},
        format="json",
    )

    assert response.json()["contract"]["published_by"] == str(team.id)


def test_force_may_come_from_the_body(producer, asset, team):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team),
        {"version": "2.0.0", "schema": DROP_EMAIL, "force": True},
        format="json",
    )

    assert response.json()["action"] == "force_published"


def test_the_query_force_wins_over_the_body(producer, asset, team):
    make_contract(asset, "1.0.0", V1)

    response = producer.post(
        publish_url(asset, team, force="false"),
        {"version": "2.0.0", "schema": DROP_EMAIL, "force": True},
        format="json",
    )

    assert response.json()["action"] == "proposal_created"


# --- Authentication, scopes and the order of checks ---------------------------------


def test_malformed_json_is_422_before_authentication(api_client, asset, team):
    response = api_client.post(
        publish_url(asset, team), "{not json", content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_publishing_needs_credentials(api_client, asset, team):
    response = api_client.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "MISSING_API_KEY"


def test_publishing_needs_the_write_scope(client_for, asset, team):
    reader = client_for(team, ["read"])

    response = reader.post(
        publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "INSUFFICIENT_SCOPE"
    assert error_of(response)["message"] == "This operation requires the 'write' scope"


def test_validation_comes_before_ownership(client_for, other_team, asset):
    response = client_for(other_team).post(
        publish_url(asset, other_team), {"version": "1", "schema": V1}, format="json"
    )

    assert response.status_code == 422


def test_bearer_credentials_work_too(make_key, asset, team, api_client):
    _, raw = make_key(team)

    response = api_client.post(
        publish_url(asset, team),
        {"version": "1.0.0", "schema": V1},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 201


def test_a_failed_publish_leaves_nothing_behind(producer, asset, team, monkeypatch):
    make_contract(asset, "1.0.0", V1)

    def explode(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(publishing, "record_event", explode)
    producer.raise_request_exception = False

    response = producer.post(
        publish_url(asset, team),
        {"version": "1.1.0", "schema": ADD_NAME},
        format="json",
    )

    assert response.status_code == 500
    assert list(
        Contract.objects.filter(asset=asset).values_list("version", "status")
    ) == [("1.0.0", "active")]


# --- Query counts ----------------------------------------------------------------------
# Per request: 1 for the API key, the request's savepoint pair, the service's
# savepoint pair, then the service's own queries (listed per case).


def test_query_count_of_a_first_publish(
    producer, asset, team, django_assert_num_queries
):
    # asset lock, publisher, current, version check, insert (in a savepoint pair),
    # audit event.
    with django_assert_num_queries(13):
        response = producer.post(
            publish_url(asset, team), {"version": "1.0.0", "schema": V1}, format="json"
        )
    assert response.status_code == 201


def test_query_count_of_a_compatible_publish(
    producer, asset, team, django_assert_num_queries
):
    make_contract(asset, "1.0.0", V1)
    # ... plus the deprecation of the current contract.
    with django_assert_num_queries(14):
        response = producer.post(
            publish_url(asset, team),
            {"version": "1.1.0", "schema": ADD_NAME},
            format="json",
        )
    assert response.json()["action"] == "published"


def test_query_count_of_a_forced_publish(
    producer, asset, team, django_assert_num_queries
):
    make_contract(asset, "1.0.0", V1)
    with django_assert_num_queries(14):
        response = producer.post(
            publish_url(asset, team, force="true"),
            {"version": "2.0.0", "schema": DROP_EMAIL},
            format="json",
        )
    assert response.json()["action"] == "force_published"


def test_query_count_of_a_proposal(
    producer, asset, team, make_team, django_assert_num_queries
):
    current = make_contract(asset, "1.0.0", V1)
    for index in range(5):
        make_registration(current, make_team(f"Consumer {index}"))
    # asset lock, publisher, current, proposal insert, audit event, impacted consumers
    # (one query, however many there are).
    with django_assert_num_queries(11):
        response = producer.post(
            publish_url(asset, team),
            {"version": "2.0.0", "schema": DROP_EMAIL},
            format="json",
        )
    assert response.json()["action"] == "proposal_created"
