"""Every event of WORKFLOWS.md 12.2, produced by real API calls and received over HTTP.

The proposal workflow runs through the API; the queued tasks then deliver to a local
receiver, and each request is checked as a receiver would: HMAC-SHA256 over the raw
bytes, the headers, and the payload fields of the catalogue (with its RECOMMEND fixes).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from webhooks.models import WebhookDelivery
from webhooks.tests.conftest import SECRET, deliver_all
from webhooks.tests.receivers import Received

pytestmark = pytest.mark.django_db

V1 = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id"],
}
V2 = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
V3 = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
STATUS_FIELDS = {
    "proposal_id",
    "asset_id",
    "asset_fqn",
    "status",
    "actor_team_id",
    "actor_team_name",
}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def workflow(webhook_settings, client_for, team, other_team, make_team):  # type: ignore[no-untyped-def]
    """Run the whole proposal workflow through the API; return the ids it produced."""
    analysts = make_team("Analysts")
    producer = client_for(team, ["read", "write"])
    consumer = client_for(other_team, ["read", "write"])
    analyst = client_for(analysts, ["read", "write"])
    ids: dict[str, Any] = {
        "producer": team,
        "consumer": other_team,
        "analysts": analysts,
    }

    asset = ok(
        producer.post(
            "/api/v1/assets", {"fqn": "warehouse.orders", "owner_team_id": str(team.id)}
        ),
        201,
    )
    ids["asset"] = asset["id"]
    publish = f"/api/v1/assets/{asset['id']}/contracts?published_by={team.id}"

    # 1. First publish: contract.published, not from a proposal.
    first = ok(producer.post(publish, {"version": "1.0.0", "schema": V1}), 201)
    ids["contract_1"] = first["contract"]["id"]
    ok(
        consumer.post(
            f"/api/v1/registrations?contract_id={first['contract']['id']}",
            {"consumer_team_id": str(other_team.id), "pinned_version": "1.0.0"},
        ),
        201,
    )

    # 2. A breaking change opens a proposal; the only consumer approves it; it is published.
    proposed = ok(producer.post(publish, {"version": "2.0.0", "schema": V2}), 201)
    assert proposed["action"] == "proposal_created"
    ids["proposal_approved"] = proposal_id = proposed["proposal"]["id"]
    ok(
        consumer.post(
            f"/api/v1/proposals/{proposal_id}/acknowledge",
            {
                "consumer_team_id": str(other_team.id),
                "response": "approved",
                "migration_deadline": "2026-12-31T00:00:00Z",
                "notes": "fine by us",
            },
        ),
        201,
    )
    second = ok(
        producer.post(
            f"/api/v1/proposals/{proposal_id}/publish",
            {"version": "2.0.0", "published_by": str(team.id)},
        )
    )
    ids["contract_2"] = second["contract"]["id"]
    for client, consumer_team in ((consumer, other_team), (analyst, analysts)):
        ok(
            client.post(
                f"/api/v1/registrations?contract_id={second['contract']['id']}",
                {"consumer_team_id": str(consumer_team.id)},
            ),
            201,
        )

    # 3. Next breaking change: one consumer is migrating, the other blocks it.
    rejected = ok(producer.post(publish, {"version": "3.0.0", "schema": V3}), 201)
    ids["proposal_rejected"] = rejected["proposal"]["id"]
    ok(
        consumer.post(
            f"/api/v1/proposals/{rejected['proposal']['id']}/acknowledge",
            {"consumer_team_id": str(other_team.id), "response": "migrating"},
        ),
        201,
    )
    ok(
        analyst.post(
            f"/api/v1/proposals/{rejected['proposal']['id']}/acknowledge",
            {
                "consumer_team_id": str(analysts.id),
                "response": "blocked",
                "notes": "no",
            },
        ),
        201,
    )

    # 4. Withdrawn by its producer.
    withdrawn = ok(producer.post(publish, {"version": "3.1.0", "schema": V3}), 201)
    ids["proposal_withdrawn"] = withdrawn["proposal"]["id"]
    ok(producer.post(f"/api/v1/proposals/{withdrawn['proposal']['id']}/withdraw"))

    # 5. Force-approved by the producer team.
    forced = ok(producer.post(publish, {"version": "3.2.0", "schema": V3}), 201)
    ids["proposal_forced"] = forced["proposal"]["id"]
    ok(
        producer.post(
            f"/api/v1/proposals/{forced['proposal']['id']}/force?actor_id={team.id}"
        )
    )

    # 6. A force-published breaking change: contract.published, not from a proposal.
    force_published = ok(
        producer.post(publish + "&force=true", {"version": "3.3.0", "schema": V3}), 201
    )
    assert force_published["action"] == "force_published"
    ids["contract_3"] = force_published["contract"]["id"]

    deliver_all(timeout=10)
    return ids


def events_of(receiver) -> list[tuple[str, dict[str, Any], Received]]:  # type: ignore[no-untyped-def]
    return [
        (r.header("X-Tessera-Event"), json.loads(r.body), r) for r in receiver.requests
    ]


def test_the_workflow_sends_the_catalogue_in_order(workflow, receiver):
    assert [event for event, _, _ in events_of(receiver)] == [
        "contract.published",
        "proposal.created",
        "proposal.acknowledged",
        "proposal.approved",
        "contract.published",
        "proposal.created",
        "proposal.acknowledged",
        "proposal.rejected",
        "proposal.created",
        "proposal.withdrawn",
        "proposal.created",
        "proposal.force_approved",
        "contract.published",
    ]
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {
        ("delivered", 1)
    }


def test_every_request_is_signed_over_its_raw_bytes_with_the_spec_headers(
    workflow, receiver
):
    deliveries = {str(d.id): d for d in WebhookDelivery.objects.all()}
    assert len(receiver.requests) == len(deliveries) == 13

    for event, body, request in events_of(receiver):
        expected = (
            "sha256="
            + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        )
        assert request.header("X-Tessera-Signature") == expected
        assert request.header("Content-Type") == "application/json"
        assert body["event"] == event
        assert set(body) == {"event", "timestamp", "payload"}
        assert body["timestamp"].endswith("Z")
        assert (
            request.header("X-Tessera-Timestamp") == body["timestamp"][:-1] + "+00:00"
        )
        delivery = deliveries[request.header("X-Tessera-Delivery")]
        assert delivery.event_type == event
        assert delivery.payload == body
        # Compact JSON: exactly what re-serialising without whitespace gives.
        assert (
            request.body
            == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        )


def payloads(receiver, event_type: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [
        body["payload"] for event, body, _ in events_of(receiver) if event == event_type
    ]


def test_proposal_created_carries_real_change_types_details_and_impacted_consumers(
    workflow, receiver
):
    first, second, *_ = payloads(receiver, "proposal.created")
    producer, consumer, analysts = (
        workflow["producer"],
        workflow["consumer"],
        workflow["analysts"],
    )

    assert first == {
        "proposal_id": workflow["proposal_approved"],
        "asset_id": workflow["asset"],
        "asset_fqn": "warehouse.orders",
        "producer_team_id": str(producer.id),
        "producer_team_name": "Producers",
        "proposed_version": "2.0.0",
        "breaking_changes": [
            {
                "change_type": "property_removed",
                "path": first["breaking_changes"][0]["path"],
                "message": first["breaking_changes"][0]["message"],
                "details": {"old_value": {"type": "string"}, "new_value": None},
            }
        ],
        "impacted_consumers": [
            {
                "team_id": str(consumer.id),
                "team_name": "Consumers",
                "pinned_version": "1.0.0",
            }
        ],
    }
    assert "email" in first["breaking_changes"][0]["path"]
    assert second["proposed_version"] == "3.0.0"
    assert second["breaking_changes"][0]["change_type"] != "unknown"
    assert second["breaking_changes"][0]["details"] is not None
    assert {c["team_name"] for c in second["impacted_consumers"]} == {
        "Consumers",
        "Analysts",
    }
    assert {c["team_id"] for c in second["impacted_consumers"]} == {
        str(consumer.id),
        str(analysts.id),
    }


def test_proposal_acknowledged_counts_pending_and_acknowledged_teams(
    workflow, receiver
):
    approving, migrating = payloads(receiver, "proposal.acknowledged")
    consumer = workflow["consumer"]

    assert approving == {
        "proposal_id": workflow["proposal_approved"],
        "asset_id": workflow["asset"],
        "asset_fqn": "warehouse.orders",
        "consumer_team_id": str(consumer.id),
        "consumer_team_name": "Consumers",
        "response": "approved",
        "migration_deadline": approving["migration_deadline"],
        "notes": "fine by us",
        "pending_count": 0,
        "acknowledged_count": 1,
    }
    assert approving["migration_deadline"].startswith("2026-12-31T00:00:00")
    assert (
        migrating["response"],
        migrating["migration_deadline"],
        migrating["notes"],
    ) == ("migrating", None, None)
    assert (migrating["pending_count"], migrating["acknowledged_count"]) == (1, 1)


def test_status_events_name_the_status_and_the_acting_team(workflow, receiver):
    [approved] = payloads(receiver, "proposal.approved")
    [rejected] = payloads(receiver, "proposal.rejected")
    [withdrawn] = payloads(receiver, "proposal.withdrawn")
    [forced] = payloads(receiver, "proposal.force_approved")
    producer, analysts = workflow["producer"], workflow["analysts"]

    for payload in (approved, rejected, withdrawn, forced):
        assert set(payload) == STATUS_FIELDS
        assert (payload["asset_id"], payload["asset_fqn"]) == (
            workflow["asset"],
            "warehouse.orders",
        )
    assert approved | {"proposal_id": None} == {
        "proposal_id": None,
        "asset_id": workflow["asset"],
        "asset_fqn": "warehouse.orders",
        "status": "approved",
        "actor_team_id": None,
        "actor_team_name": None,
    }
    assert approved["proposal_id"] == workflow["proposal_approved"]
    assert (rejected["proposal_id"], rejected["status"]) == (
        workflow["proposal_rejected"],
        "rejected",
    )
    assert (rejected["actor_team_id"], rejected["actor_team_name"]) == (
        str(analysts.id),
        "Analysts",
    )
    assert (withdrawn["proposal_id"], withdrawn["status"]) == (
        workflow["proposal_withdrawn"],
        "withdrawn",
    )
    assert (withdrawn["actor_team_id"], withdrawn["actor_team_name"]) == (None, None)
    assert (forced["proposal_id"], forced["status"]) == (
        workflow["proposal_forced"],
        "force_approved",
    )
    assert (forced["actor_team_id"], forced["actor_team_name"]) == (
        str(producer.id),
        "Producers",
    )


def test_contract_published_is_sent_for_every_created_contract(workflow, receiver):
    direct, from_proposal, forced = payloads(receiver, "contract.published")
    producer = workflow["producer"]
    common = {
        "asset_id": workflow["asset"],
        "asset_fqn": "warehouse.orders",
        "producer_team_id": str(producer.id),
        "producer_team_name": "Producers",
    }

    assert direct == {
        **common,
        "contract_id": workflow["contract_1"],
        "version": "1.0.0",
        "from_proposal_id": None,
    }
    assert from_proposal == {
        **common,
        "contract_id": workflow["contract_2"],
        "version": "2.0.0",
        "from_proposal_id": workflow["proposal_approved"],
    }
    assert forced == {
        **common,
        "contract_id": workflow["contract_3"],
        "version": "3.3.0",
        "from_proposal_id": None,
    }


def test_the_deliveries_are_listed_by_the_api(workflow, client_for):
    admin = client_for(workflow["producer"], ["admin"])

    body = ok(
        admin.get("/api/v1/webhooks/deliveries", {"event_type": "proposal.created"})
    )

    assert body["total"] == 4
    assert {d["status"] for d in body["results"]} == {"delivered"}
    assert [d["payload"]["payload"]["proposed_version"] for d in body["results"]] == [
        "3.2.0",
        "3.1.0",
        "3.0.0",
        "2.0.0",
    ]
