"""Proposals and acknowledgments over HTTP (API.md 5.5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import Event
from contracts.models import Acknowledgment, Contract, Proposal
from contracts.tests.factories import make_asset, make_contract, make_registration

pytestmark = pytest.mark.django_db

MISSING_ID = "00000000-0000-0000-0000-00000000abcd"
NEW_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}
REMOVED_EMAIL = {
    "type": "property_removed",
    "path": "properties.email",
    "message": "Property 'email' was removed",
    "old_value": {"type": "string"},
    "new_value": None,
    "change_type": "property_removed",
}


def make_proposal(asset: Any, **fields: Any) -> Proposal:
    defaults: dict[str, Any] = {
        "proposed_schema": NEW_SCHEMA,
        "change_type": "major",
        "breaking_changes": [REMOVED_EMAIL],
        "proposed_by": asset.owner_team_id,
        "proposed_version": "2.0.0",
    }
    return Proposal.objects.create(asset=asset, **(defaults | fields))


@pytest.fixture
def asset(team):
    return make_asset(team, fqn="warehouse.customers")


@pytest.fixture
def contract(asset):
    return make_contract(asset, "1.0.0")


@pytest.fixture
def proposal(asset, contract):
    return make_proposal(asset)


@pytest.fixture
def producer(writer_client):
    writer_client.get("/api/v1/proposals")  # the key's first use records last_used_at
    return writer_client


@pytest.fixture
def consumer(client_for, other_team):
    client = client_for(other_team)
    client.get("/api/v1/proposals")
    return client


def acknowledge(
    client: Any, proposal: Any, team: Any, response: str = "approved", **body: Any
) -> Any:
    return client.post(
        f"/api/v1/proposals/{proposal.id}/acknowledge",
        {"consumer_team_id": str(team.id), "response": response, **body},
        format="json",
    )


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# --- GET /proposals ----------------------------------------------------------------------------


def test_proposals_are_listed_as_summaries(
    producer, proposal, contract, other_team, make_team, asset, team
):
    finance = make_team("Finance")
    make_registration(contract, other_team)
    make_registration(contract, other_team)  # counted once
    make_registration(contract, finance)
    make_registration(contract, make_team("Idle"), status="inactive")
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=finance, response="approved"
    )
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=make_team("Stranger"), response="migrating"
    )

    response = producer.get("/api/v1/proposals")

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (1, 50, 0)
    assert body["results"] == [
        {
            "id": str(proposal.id),
            "asset_id": str(asset.id),
            "asset_fqn": "warehouse.customers",
            "status": "pending",
            "change_type": "major",
            "breaking_changes_count": 1,
            "proposed_by": str(team.id),
            "proposed_at": body["results"][0]["proposed_at"],
            "acknowledgment_count": 2,
            "total_consumers": 2,
        }
    ]


def test_total_consumers_follow_the_current_contract(
    producer, proposal, contract, other_team, asset
):
    make_registration(contract, other_team)
    Contract.objects.filter(pk=contract.pk).update(status="deprecated")
    make_contract(asset, "1.1.0")

    [row] = producer.get("/api/v1/proposals").json()["results"]

    assert row["total_consumers"] == 0


def test_proposals_without_anything_count_zero(producer, team):
    make_proposal(make_asset(team), breaking_changes=[])

    [row] = producer.get("/api/v1/proposals").json()["results"]

    assert (
        row["acknowledgment_count"],
        row["total_consumers"],
        row["breaking_changes_count"],
    ) == (0, 0, 0)


@pytest.fixture
def many(asset, team, other_team) -> list[Proposal]:
    """Three proposals, oldest first, on two assets and from two teams."""
    now = timezone.now()
    elsewhere = make_asset(other_team)
    return [
        make_proposal(asset, status="approved", proposed_at=now - timedelta(hours=3)),
        make_proposal(elsewhere, proposed_at=now - timedelta(hours=2)),
        make_proposal(asset, proposed_at=now - timedelta(hours=1)),
    ]


def test_proposals_are_newest_first(producer, many):
    response = producer.get("/api/v1/proposals")

    assert [row["id"] for row in response.json()["results"]] == [
        str(p.id) for p in reversed(many)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("status=pending", [2, 1]), ("status=approved", [0]), ("status=withdrawn", [])],
)
def test_proposals_filter_by_status(producer, many, query, expected):
    response = producer.get(f"/api/v1/proposals?{query}")

    assert [row["id"] for row in response.json()["results"]] == [
        str(many[i].id) for i in expected
    ]


def test_proposals_filter_by_asset_and_proposer(producer, many, asset, other_team):
    by_asset = producer.get(f"/api/v1/proposals?asset_id={asset.id}")
    by_proposer = producer.get(f"/api/v1/proposals?proposed_by={other_team.id}")

    assert by_asset.json()["total"] == 2
    assert [row["id"] for row in by_proposer.json()["results"]] == [str(many[1].id)]


def test_proposals_page_with_fixed_bounds(producer, many, settings):
    # /proposals ignores the PAGINATION settings: 50 by default, at most 100.
    settings.PAGINATION_LIMIT_DEFAULT = 1
    settings.PAGINATION_LIMIT_MAX = 1

    assert producer.get("/api/v1/proposals").json()["limit"] == 50
    assert producer.get("/api/v1/proposals?limit=100&offset=2").json()["results"][0][
        "id"
    ] == str(many[0].id)
    assert producer.get("/api/v1/proposals?limit=101").status_code == 422


def test_bad_proposal_filters_are_422(producer):
    assert producer.get("/api/v1/proposals?status=open").status_code == 422
    assert producer.get("/api/v1/proposals?asset_id=x").status_code == 422


def test_listing_proposals_takes_constant_queries(
    producer, many, contract, make_team, django_assert_num_queries
):
    for index in range(5):
        team = make_team(f"Consumer {index}")
        make_registration(contract, team)
        Acknowledgment.objects.create(
            proposal=many[2], consumer_team=team, response="approved"
        )
    # key, savepoint pair, count, page (with its counts as subqueries)
    with django_assert_num_queries(5):
        response = producer.get("/api/v1/proposals")
    assert response.json()["results"][0]["acknowledgment_count"] == 5


# --- GET /proposals/{id} ----------------------------------------------------------------------


def test_a_proposal_is_shown_in_full(producer, proposal, asset, team):
    response = producer.get(f"/api/v1/proposals/{proposal.id}")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(proposal.id),
        "asset_id": str(asset.id),
        "proposed_schema": NEW_SCHEMA,
        "change_type": "major",
        "breaking_changes": [
            {"type": "property_removed", "column": None, "details": REMOVED_EMAIL}
        ],
        "status": "pending",
        "proposed_by": str(team.id),
        "proposed_at": response.json()["proposed_at"],
        "resolved_at": None,
    }


def test_an_unknown_proposal_is_404(producer):
    response = producer.get(f"/api/v1/proposals/{MISSING_ID}")

    assert response.status_code == 404
    assert (error_of(response)["code"], error_of(response)["message"]) == (
        "NOT_FOUND",
        "Proposal not found",
    )


def test_a_malformed_proposal_id_is_422(producer):
    response = producer.get("/api/v1/proposals/nope")

    assert response.json()["detail"][0]["loc"] == ["path", "proposal_id"]


# --- GET /proposals/{id}/status ----------------------------------------------------------------


def test_the_status_view_counts_consumers(
    producer, proposal, contract, other_team, make_team, team
):
    finance, sales, stranger = (
        make_team("Finance"),
        make_team("Sales"),
        make_team("Stranger"),
    )
    first = make_registration(contract, other_team)
    make_registration(contract, other_team)  # a duplicate: one consumer
    make_registration(contract, finance)
    make_registration(contract, sales)
    make_registration(contract, make_team("Idle"), status="migrating")
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=finance, response="migrating", notes="soon"
    )
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=stranger, response="approved"
    )

    response = producer.get(f"/api/v1/proposals/{proposal.id}/status")

    assert response.status_code == 200
    body = response.json()
    assert body["proposal_id"] == str(proposal.id)
    assert (body["status"], body["asset_fqn"], body["change_type"]) == (
        "pending",
        "warehouse.customers",
        "major",
    )
    assert body["breaking_changes"] == [REMOVED_EMAIL]
    assert body["proposed_by"] == {"team_id": str(team.id), "team_name": "Producers"}
    assert body["resolved_at"] is None
    assert body["consumers"] == {
        "total": 3,
        "acknowledged": 2,
        "pending": 2,
        "blocked": 0,
    }
    assert [
        (ack["consumer_team_name"], ack["response"], ack["notes"])
        for ack in body["acknowledgments"]
    ] == [
        ("Finance", "migrating", "soon"),
        ("Stranger", "approved", None),
    ]
    assert set(body["acknowledgments"][0]) == {
        "consumer_team_id",
        "consumer_team_name",
        "response",
        "responded_at",
        "notes",
    }
    assert [consumer["team_name"] for consumer in body["pending_consumers"]] == [
        "Consumers",
        "Sales",
    ]
    assert body["pending_consumers"][0]["team_id"] == str(other_team.id)
    assert body["pending_consumers"][0]["registered_at"].startswith(
        first.registered_at.strftime("%Y-%m-%dT%H:%M")
    )
    # EXT-11
    assert (body["pending_count"], body["acknowledged_count"], body["can_publish"]) == (
        2,
        2,
        False,
    )


def test_the_status_view_counts_blocks(producer, proposal, other_team):
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=other_team, response="blocked"
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        status="rejected", resolved_at=timezone.now()
    )

    body = producer.get(f"/api/v1/proposals/{proposal.id}/status").json()

    assert body["consumers"] == {
        "total": 0,
        "acknowledged": 1,
        "pending": 0,
        "blocked": 1,
    }
    assert body["status"] == "rejected"
    assert body["resolved_at"] is not None


def test_an_unknown_proposer_is_called_unknown(producer, asset):
    proposal = make_proposal(asset, proposed_by="00000000-0000-0000-0000-000000000009")

    body = producer.get(f"/api/v1/proposals/{proposal.id}/status").json()

    assert body["proposed_by"]["team_name"] == "Unknown"


def test_approved_unpublished_proposals_can_publish(producer, asset, contract, team):
    approved = make_proposal(asset, status="approved")
    published = make_proposal(
        asset, status="approved", published_contract=make_contract(asset, "2.0.0")
    )

    assert (
        producer.get(f"/api/v1/proposals/{approved.id}/status").json()["can_publish"]
        is True
    )
    assert (
        producer.get(f"/api/v1/proposals/{published.id}/status").json()["can_publish"]
        is False
    )


def test_the_status_of_an_unknown_proposal_is_404(producer):
    response = producer.get(f"/api/v1/proposals/{MISSING_ID}/status")

    assert error_of(response)["message"] == "Proposal not found"


def test_the_status_view_takes_constant_queries(
    producer, proposal, contract, make_team, django_assert_num_queries
):
    for index in range(6):
        team = make_team(f"Consumer {index}")
        make_registration(contract, team)
        if index % 2:
            Acknowledgment.objects.create(
                proposal=proposal, consumer_team=team, response="approved"
            )
    # key, savepoint pair, proposal with its asset, proposer name, acknowledgments,
    # registrations on the current contract
    with django_assert_num_queries(7):
        response = producer.get(f"/api/v1/proposals/{proposal.id}/status")
    assert response.json()["consumers"]["pending"] == 3


# --- POST /proposals/{id}/acknowledge ----------------------------------------------------------


def test_a_consumer_acknowledges(consumer, proposal, contract, other_team, make_team):
    make_registration(contract, other_team)
    make_registration(contract, make_team("Finance"))

    response = acknowledge(
        consumer,
        proposal,
        other_team,
        "migrating",
        migration_deadline="2030-01-31T00:00:00Z",
        notes="On it",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "proposal_id",
        "consumer_team_id",
        "response",
        "migration_deadline",
        "notes",
        "responded_at",
        "acknowledged_at",
    }
    assert body["proposal_id"] == str(proposal.id)
    assert body["consumer_team_id"] == str(other_team.id)
    assert (body["response"], body["notes"]) == ("migrating", "On it")
    assert body["migration_deadline"] == "2030-01-31T00:00:00Z"
    assert body["acknowledged_at"] == body["responded_at"]  # EXT-9
    proposal.refresh_from_db()
    assert proposal.status == "pending"  # Finance has not answered yet


def test_the_last_required_acknowledgment_approves(
    consumer, proposal, contract, other_team
):
    make_registration(contract, other_team)

    acknowledge(consumer, proposal, other_team)

    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert proposal.resolved_at is not None


def test_blocking_rejects(consumer, proposal, other_team):
    response = acknowledge(
        consumer, proposal, other_team, "blocked", notes="We still read email"
    )

    assert response.status_code == 201
    proposal.refresh_from_db()
    assert proposal.status == "rejected"


def test_acknowledging_for_another_team_is_403_first(consumer, team):
    response = consumer.post(
        f"/api/v1/proposals/{MISSING_ID}/acknowledge",
        {"consumer_team_id": str(team.id), "response": "approved"},
        format="json",
    )

    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "You can only acknowledge proposals on behalf of your own team"
    )


def test_acknowledging_an_unknown_proposal_is_404(consumer, other_team):
    response = consumer.post(
        f"/api/v1/proposals/{MISSING_ID}/acknowledge",
        {"consumer_team_id": str(other_team.id), "response": "approved"},
        format="json",
    )

    assert error_of(response)["message"] == "Proposal not found"


@pytest.mark.parametrize("status", ["approved", "rejected", "withdrawn"])
def test_only_pending_proposals_take_acknowledgments(
    consumer, asset, other_team, status
):
    proposal = make_proposal(asset, status=status)

    response = acknowledge(consumer, proposal, other_team)

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["message"]) == (
        "BAD_REQUEST",
        "Proposal is not pending",
    )


def test_not_pending_wins_over_a_repeated_acknowledgment(
    consumer, proposal, other_team
):
    acknowledge(consumer, proposal, other_team)  # no consumers: this approves

    response = acknowledge(consumer, proposal, other_team)

    assert error_of(response)["message"] == "Proposal is not pending"


def test_a_deleted_consumer_team_is_404(client_for, make_team, proposal):
    admin = client_for(make_team("Platform"), ["admin"])
    gone = make_team("Gone")
    gone.deleted_at = timezone.now()
    gone.save()

    response = acknowledge(admin, proposal, gone)

    assert response.status_code == 404
    assert error_of(response)["message"] == "Consumer team not found"


def test_acknowledging_twice_is_400(
    consumer, proposal, contract, other_team, make_team
):
    make_registration(contract, other_team)
    make_registration(contract, make_team("Finance"))
    acknowledge(consumer, proposal, other_team)

    response = acknowledge(consumer, proposal, other_team, "blocked")

    assert response.status_code == 400
    assert (
        error_of(response)["message"]
        == "This team has already acknowledged this proposal"
    )
    proposal.refresh_from_db()
    assert proposal.status == "pending"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"response": "ok"}, ["body", "response"]),
        ({"response": "APPROVED"}, ["body", "response"]),
        ({"notes": "x" * 2001}, ["body", "notes"]),
        ({"migration_deadline": "next week"}, ["body", "migration_deadline"]),
    ],
)
def test_acknowledgments_are_validated(consumer, proposal, other_team, body, loc):
    response = consumer.post(
        f"/api/v1/proposals/{proposal.id}/acknowledge",
        {"consumer_team_id": str(other_team.id), "response": "approved", **body},
        format="json",
    )

    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [loc]


def test_notes_of_2000_characters_are_fine(consumer, proposal, other_team):
    assert (
        acknowledge(consumer, proposal, other_team, notes="x" * 2000).status_code == 201
    )


def test_acknowledging_takes_constant_queries(
    consumer, proposal, contract, other_team, make_team, django_assert_num_queries
):
    for index in range(5):
        make_registration(contract, make_team(f"Consumer {index}"))
    make_registration(contract, other_team)
    # key, savepoint pair, service savepoint pair, proposal lock, team, already?,
    # insert in a savepoint pair, audit, acknowledged teams, required teams
    with django_assert_num_queries(14):
        response = acknowledge(consumer, proposal, other_team)
    assert response.status_code == 201


def test_the_completing_acknowledgment_takes_constant_queries(
    consumer, proposal, contract, other_team, django_assert_num_queries
):
    make_registration(contract, other_team)
    # ... plus the status update and the approval's audit event.
    with django_assert_num_queries(16):
        acknowledge(consumer, proposal, other_team)
    proposal.refresh_from_db()
    assert proposal.status == "approved"


# --- POST /proposals/{id}/withdraw ---------------------------------------------------------


def test_the_proposer_withdraws(producer, proposal, team):
    response = producer.post(f"/api/v1/proposals/{proposal.id}/withdraw")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["resolved_at"] is not None
    event = Event.objects.get(action="proposal.withdrawn")
    assert (event.entity_id, event.actor_id, event.payload) == (
        proposal.id,
        team.id,
        {},
    )


def test_withdraw_ignores_any_body(producer, proposal):
    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/withdraw",
        "{oops",
        content_type="application/json",
    )

    assert response.status_code == 200


def test_withdrawing_an_unknown_proposal_is_404(producer):
    assert (
        error_of(producer.post(f"/api/v1/proposals/{MISSING_ID}/withdraw"))["message"]
        == "Proposal not found"
    )


def test_only_the_proposer_withdraws(consumer, proposal):
    response = consumer.post(f"/api/v1/proposals/{proposal.id}/withdraw")

    assert response.status_code == 403
    assert error_of(response)["message"] == "You can only withdraw your own proposals"


def test_ownership_comes_before_the_status_on_withdraw(consumer, asset):
    proposal = make_proposal(asset, status="approved")

    assert consumer.post(f"/api/v1/proposals/{proposal.id}/withdraw").status_code == 403


def test_withdrawing_twice_is_400(producer, proposal):
    producer.post(f"/api/v1/proposals/{proposal.id}/withdraw")

    response = producer.post(f"/api/v1/proposals/{proposal.id}/withdraw")

    assert error_of(response)["message"] == "Proposal is not pending"


def test_admins_withdraw_any_proposal(client_for, make_team, proposal):
    admin = client_for(make_team("Platform"), ["admin"])

    assert (
        admin.post(f"/api/v1/proposals/{proposal.id}/withdraw").json()["status"]
        == "withdrawn"
    )


# --- POST /proposals/{id}/force ---------------------------------------------------------------


def test_force_approves_with_the_actor_from_the_query(producer, proposal, team):
    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/force?actor_id={team.id}"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    event = Event.objects.get(action="proposal.force_approved")
    assert event.actor_id == team.id
    assert event.payload == {
        "warning": "Proposal force-approved without full consumer acknowledgment"
    }


def test_any_team_may_force_any_proposal_for_itself(consumer, proposal, other_team):
    # REF: the check is on actor_id, not on who owns the proposal.
    response = consumer.post(
        f"/api/v1/proposals/{proposal.id}/force?actor_id={other_team.id}"
    )

    assert response.status_code == 200


def test_forcing_for_another_team_is_403_first(consumer, team):
    response = consumer.post(f"/api/v1/proposals/{MISSING_ID}/force?actor_id={team.id}")

    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "You can only force approve on behalf of your own team"
    )


def test_force_takes_the_actor_from_the_body(producer, proposal, team):
    # EXT-10: the CLI sends actor_team_id in the body.
    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/force",
        {"actor_team_id": str(team.id)},
        format="json",
    )

    assert response.status_code == 200
    assert Event.objects.get(action="proposal.force_approved").actor_id == team.id


def test_force_defaults_the_actor_to_the_caller(producer, proposal, team):
    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/force",
        "{oops",
        content_type="application/json",
    )

    assert response.status_code == 200
    assert Event.objects.get(action="proposal.force_approved").actor_id == team.id


def test_a_body_actor_of_another_team_is_403(producer, proposal, other_team):
    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/force",
        {"actor_team_id": str(other_team.id)},
        format="json",
    )

    assert response.status_code == 403


def test_a_malformed_actor_id_is_422(producer, proposal):
    response = producer.post(f"/api/v1/proposals/{proposal.id}/force?actor_id=nope")

    assert response.json()["detail"][0]["loc"] == ["query", "actor_id"]


def test_forcing_a_settled_proposal_is_400(producer, asset, team):
    proposal = make_proposal(asset, status="rejected")

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/force?actor_id={team.id}"
    )

    assert error_of(response)["message"] == "Proposal is not pending"


def test_forcing_an_unknown_proposal_is_404(producer, team):
    response = producer.post(f"/api/v1/proposals/{MISSING_ID}/force?actor_id={team.id}")

    assert error_of(response)["message"] == "Proposal not found"


# --- POST /proposals/{id}/publish ---------------------------------------------------------


def test_an_approved_proposal_is_published(producer, asset, contract, team):
    proposal = make_proposal(asset, status="approved")

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish",
        {"version": "2.0.0", "published_by": str(team.id)},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"action", "proposal_id", "contract", "deprecated_contract_id"}
    assert (body["action"], body["proposal_id"]) == ("published", str(proposal.id))
    assert body["deprecated_contract_id"] == str(contract.id)
    assert body["contract"]["schema_def"] == NEW_SCHEMA
    assert (body["contract"]["version"], body["contract"]["status"]) == (
        "2.0.0",
        "active",
    )
    contract.refresh_from_db()
    assert contract.status == "deprecated"


def test_publishing_without_a_current_contract_deprecates_nothing(producer, team):
    proposal = make_proposal(make_asset(team), status="approved")

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish",
        {"version": "1.0.0", "published_by": str(team.id)},
        format="json",
    )

    assert response.json()["deprecated_contract_id"] is None
    assert response.json()["contract"]["guarantees"] == {
        "freshness": None,
        "volume": None,
        "nullability": None,
        "accepted_values": None,
    }


def test_the_publisher_may_be_named_publisher_team_id(producer, asset, team):
    # EXT-10
    proposal = make_proposal(asset, status="approved")

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish",
        {"version": "2.0.0", "publisher_team_id": str(team.id)},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["contract"]["published_by"] == str(team.id)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"version": "2.0"}, ["body", "version"]),
        ({"version": "v2.0.0"}, ["body", "version"]),
        ({"version": 200}, ["body", "version"]),
        ({"version": "2.0.0", "published_by": "nope"}, ["body", "published_by"]),
    ],
)
def test_the_publish_body_is_validated_up_front(producer, asset, team, body, loc):
    proposal = make_proposal(asset, status="approved")
    body.setdefault("published_by", str(team.id))

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish", body, format="json"
    )

    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [loc]
    assert not Contract.objects.filter(asset=asset).exists()


def test_without_a_body_the_proposal_publishes_as_it_was_opened(
    producer, asset, contract, team
):
    # The original SDK's proposals.publish() sends no body at all.
    proposal = make_proposal(asset, status="approved", proposed_version="2.1.0")

    response = producer.post(f"/api/v1/proposals/{proposal.id}/publish")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contract"]["version"] == "2.1.0"
    assert body["contract"]["published_by"] == str(team.id)
    assert body["deprecated_contract_id"] == str(contract.id)


def test_without_a_version_a_proposal_opened_without_one_is_422(producer, asset):
    proposal = make_proposal(asset, status="approved", proposed_version=None)

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish", {}, format="json"
    )

    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["body", "version"]]
    assert not Contract.objects.filter(asset=asset).exists()


def test_without_a_publisher_another_teams_proposal_is_403(consumer, asset):
    proposal = make_proposal(asset, status="approved")

    response = consumer.post(f"/api/v1/proposals/{proposal.id}/publish")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"


def test_publishing_for_another_team_is_403_first(consumer, team):
    response = consumer.post(
        f"/api/v1/proposals/{MISSING_ID}/publish",
        {"version": "2.0.0", "published_by": str(team.id)},
        format="json",
    )

    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "You can only publish on behalf of your own team"
    )


def test_publishing_a_pending_proposal_is_400(producer, proposal, team):
    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish",
        {"version": "2.0.0", "published_by": str(team.id)},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "Cannot publish from proposal with status 'pending'. Proposal must be approved first."
    )


def test_a_proposal_publishes_once(producer, asset, team):
    proposal = make_proposal(asset, status="approved")
    url = f"/api/v1/proposals/{proposal.id}/publish"
    producer.post(
        url, {"version": "2.0.0", "published_by": str(team.id)}, format="json"
    )

    response = producer.post(
        url, {"version": "2.0.1", "published_by": str(team.id)}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response)["message"] == "Proposal has already been published"


def test_publishing_a_used_version_is_409(producer, asset, contract, team):
    proposal = make_proposal(asset, status="approved")

    response = producer.post(
        f"/api/v1/proposals/{proposal.id}/publish",
        {"version": "1.0.0", "published_by": str(team.id)},
        format="json",
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "DUPLICATE_CONTRACT_VERSION"


def test_an_unknown_publisher_is_404(client_for, make_team, asset):
    admin = client_for(make_team("Platform"), ["admin"])
    proposal = make_proposal(asset, status="approved")

    response = admin.post(
        f"/api/v1/proposals/{proposal.id}/publish",
        {"version": "2.0.0", "published_by": MISSING_ID},
        format="json",
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "Publisher team not found"


def test_publishing_a_proposal_takes_constant_queries(
    producer, asset, contract, team, django_assert_num_queries
):
    proposal = make_proposal(asset, status="approved")
    # key, savepoint pair, service savepoint pair, proposal lock, asset lock,
    # publisher, current, version check, insert in a savepoint pair, deprecation,
    # proposal link, audit
    with django_assert_num_queries(16):
        response = producer.post(
            f"/api/v1/proposals/{proposal.id}/publish",
            {"version": "2.0.0", "published_by": str(team.id)},
            format="json",
        )
    assert response.status_code == 200
