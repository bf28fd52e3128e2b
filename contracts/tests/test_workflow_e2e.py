"""The whole producer/consumer flow over HTTP, as a client sees it (WORKFLOWS.md 4-6)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

V1 = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "status": {"type": "string", "enum": ["active", "closed"]},
    },
    "required": ["id"],
}
# Compatible under backward: one optional property more.
V1_1 = {**V1, "properties": {**V1["properties"], "country": {"type": "string"}}}
# Breaking under backward: email removed, country required.
V2 = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["active", "closed"]},
        "country": {"type": "string"},
    },
    "required": ["id", "country"],
}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json() if response.content else {}


def test_a_breaking_change_goes_through_its_consumers(
    client_for, team, make_team, settings
):
    settings.WEBHOOK_URL = "https://hooks.example.com/tessera"
    admin = client_for(make_team("Platform"), ["read", "write", "admin"])
    producer = client_for(team)
    analytics_team, finance_team = make_team("Analytics"), make_team("Finance")
    analytics, finance = client_for(analytics_team), client_for(finance_team)

    # The producer creates its asset and publishes v1.
    asset = ok(
        producer.post(
            "/api/v1/assets",
            {"fqn": "warehouse.customers", "owner_team_id": str(team.id)},
            format="json",
        ),
        201,
    )
    contracts_url = f"/api/v1/assets/{asset['id']}/contracts?published_by={team.id}"
    first = ok(
        producer.post(contracts_url, {"version": "1.0.0", "schema": V1}, format="json"),
        201,
    )
    assert first["action"] == "published"
    v1_id = first["contract"]["id"]

    # Two consumers register: one by contract id, one by asset (the CLI's way).
    ok(
        analytics.post(
            f"/api/v1/registrations?contract_id={v1_id}",
            {"consumer_team_id": str(analytics_team.id), "pinned_version": "1.0.0"},
            format="json",
        ),
        201,
    )
    ok(
        finance.post(
            "/api/v1/registrations",
            {"asset_id": asset["id"], "consumer_team_id": str(finance_team.id)},
            format="json",
        ),
        201,
    )

    # A compatible 1.1.0 publishes straight away.
    minor = ok(
        producer.post(
            contracts_url, {"version": "1.1.0", "schema": V1_1}, format="json"
        ),
        201,
    )
    assert (minor["action"], minor["change_type"]) == ("published", "minor")
    v1_1_id = minor["contract"]["id"]
    assert ok(producer.get(f"/api/v1/contracts/{v1_id}"))["status"] == "deprecated"

    # Registrations stay on their contract row: the consumers move to 1.1.0.
    for client, team_ in ((analytics, analytics_team), (finance, finance_team)):
        ok(
            client.post(
                f"/api/v1/registrations?contract_id={v1_1_id}",
                {"consumer_team_id": str(team_.id), "pinned_version": "1.1.0"},
                format="json",
            ),
            201,
        )

    # A breaking 2.0.0 opens a proposal instead of publishing.
    breaking = ok(
        producer.post(contracts_url, {"version": "2.0.0", "schema": V2}, format="json"),
        201,
    )
    assert breaking["action"] == "proposal_created"
    assert breaking["change_type"] == "major"
    assert sorted(change["type"] for change in breaking["breaking_changes"]) == [
        "property_removed",
        "required_added",
    ]
    proposal_id = breaking["proposal"]["id"]
    status = ok(producer.get(f"/api/v1/proposals/{proposal_id}/status"))
    assert status["consumers"] == {
        "total": 2,
        "acknowledged": 0,
        "pending": 2,
        "blocked": 0,
    }
    assert sorted(c["team_name"] for c in status["pending_consumers"]) == [
        "Analytics",
        "Finance",
    ]
    assert status["can_publish"] is False

    # The proposal cannot be published yet.
    publish_url = f"/api/v1/proposals/{proposal_id}/publish"
    early = producer.post(
        publish_url, {"version": "2.0.0", "published_by": str(team.id)}, format="json"
    )
    assert early.status_code == 400

    # Each consumer acknowledges; the last one approves the proposal.
    ok(
        analytics.post(
            f"/api/v1/proposals/{proposal_id}/acknowledge",
            {
                "consumer_team_id": str(analytics_team.id),
                "response": "migrating",
                "notes": "Next sprint",
            },
            format="json",
        ),
        201,
    )
    assert ok(producer.get(f"/api/v1/proposals/{proposal_id}"))["status"] == "pending"
    ok(
        finance.post(
            f"/api/v1/proposals/{proposal_id}/acknowledge",
            {"consumer_team_id": str(finance_team.id), "response": "approved"},
            format="json",
        ),
        201,
    )
    status = ok(producer.get(f"/api/v1/proposals/{proposal_id}/status"))
    assert status["status"] == "approved"
    assert status["consumers"] == {
        "total": 2,
        "acknowledged": 2,
        "pending": 0,
        "blocked": 0,
    }
    assert status["can_publish"] is True

    # The producer publishes the approved proposal, once.
    published = ok(
        producer.post(
            publish_url,
            {"version": "2.0.0", "published_by": str(team.id)},
            format="json",
        )
    )
    assert published["deprecated_contract_id"] == v1_1_id
    v2 = published["contract"]
    assert (v2["version"], v2["status"], v2["schema_def"]) == ("2.0.0", "active", V2)
    again = producer.post(
        publish_url, {"version": "2.0.1", "published_by": str(team.id)}, format="json"
    )
    assert again.json()["error"]["message"] == "Proposal has already been published"
    assert (
        ok(producer.get(f"/api/v1/proposals/{proposal_id}/status"))["can_publish"]
        is False
    )

    # Every version is there, newest first, with one active.
    history = ok(producer.get(f"/api/v1/assets/{asset['id']}/contracts/history"))
    assert [
        (c["version"], c["status"], c["change_type"]) for c in history["contracts"]
    ] == [
        ("2.0.0", "active", "major"),
        ("1.1.0", "deprecated", "minor"),
        ("1.0.0", "deprecated", "initial"),
    ]
    diff = ok(
        producer.get(
            f"/api/v1/assets/{asset['id']}/contracts/diff?from_version=1.1.0&to_version=2.0.0"
        )
    )
    assert (diff["is_compatible"], diff["is_breaking"]) == (False, True)
    listed = ok(producer.get(f"/api/v1/proposals?asset_id={asset['id']}"))
    assert [(p["status"], p["acknowledgment_count"]) for p in listed["results"]] == [
        ("approved", 2)
    ]

    # The audit trail tells the story.
    events = ok(admin.get("/api/v1/audit/events?limit=100"))["results"]
    trail = [(event["action"], event["entity_type"]) for event in reversed(events)]
    workflow = [entry for entry in trail if entry[1] in {"contract", "proposal"}]
    assert workflow == [
        ("contract.published", "contract"),
        ("contract.published", "contract"),
        ("proposal.created", "proposal"),
        ("proposal.acknowledged", "proposal"),
        ("proposal.acknowledged", "proposal"),
        ("proposal.approved", "proposal"),
        ("contract.published", "contract"),
    ]
    assert [entry for entry in trail if entry[1] == "registration"] == [
        ("registration.created", "registration")
    ] * 4
    proposal_history = ok(
        admin.get(f"/api/v1/audit/entities/proposal/{proposal_id}/history")
    )
    assert proposal_history["total"] == 4

    # And so do the webhooks queued in the outbox, in order.
    outbox = WebhookDelivery.objects.order_by("created_at", "id")
    assert [(d.event_type, d.payload["payload"].get("version")) for d in outbox] == [
        ("contract.published", "1.0.0"),
        ("contract.published", "1.1.0"),
        ("proposal.created", None),
        ("proposal.acknowledged", None),
        ("proposal.acknowledged", None),
        ("proposal.approved", None),
        ("contract.published", "2.0.0"),
    ]
    acknowledged = [
        d.payload["payload"] for d in outbox if d.event_type == "proposal.acknowledged"
    ]
    assert [(p["pending_count"], p["acknowledged_count"]) for p in acknowledged] == [
        (1, 1),
        (0, 2),
    ]
    assert outbox.last().payload["payload"]["from_proposal_id"] == proposal_id


def test_a_blocked_proposal_is_withdrawn_and_forced_nowhere(
    client_for, team, make_team
):
    producer = client_for(team)
    consumer_team = make_team("Analytics")
    consumer = client_for(consumer_team)
    asset = ok(
        producer.post(
            "/api/v1/assets",
            {"fqn": "warehouse.orders", "owner_team_id": str(team.id)},
            format="json",
        ),
        201,
    )
    url = f"/api/v1/assets/{asset['id']}/contracts?published_by={team.id}"
    v1 = ok(producer.post(url, {"version": "1.0.0", "schema": V1}, format="json"), 201)[
        "contract"
    ]
    ok(
        consumer.post(
            f"/api/v1/registrations?contract_id={v1['id']}",
            {"consumer_team_id": str(consumer_team.id)},
            format="json",
        ),
        201,
    )

    proposal = ok(
        producer.post(url, {"version": "2.0.0", "schema": V2}, format="json"), 201
    )["proposal"]
    ok(
        consumer.post(
            f"/api/v1/proposals/{proposal['id']}/acknowledge",
            {
                "consumer_team_id": str(consumer_team.id),
                "response": "blocked",
                "notes": "We read email",
            },
            format="json",
        ),
        201,
    )

    assert (
        ok(producer.get(f"/api/v1/proposals/{proposal['id']}"))["status"] == "rejected"
    )
    for path in ("withdraw", f"force?actor_id={team.id}"):
        response = producer.post(f"/api/v1/proposals/{proposal['id']}/{path}")
        assert response.json()["error"]["message"] == "Proposal is not pending"

    # The producer can still force a breaking change through.
    forced = ok(
        producer.post(
            url + "&force=true", {"version": "2.0.0", "schema": V2}, format="json"
        ),
        201,
    )
    assert forced["action"] == "force_published"
    client = APIClient()
    assert client.post("/api/v1/schemas/validate", V2, format="json").json() == {
        "valid": True,
        "errors": [],
    }
