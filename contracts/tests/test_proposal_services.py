"""The proposal state machine (WORKFLOWS.md 5), its audit trail and webhooks, and its admin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.test import Client

from audit.models import Event
from contracts.models import Acknowledgment, Contract, Proposal
from contracts.services import proposals
from contracts.services.proposals import (
    acknowledge_proposal,
    force_approve_proposal,
    proposal_status,
    required_team_ids,
    with_summary_counts,
    withdraw_proposal,
)
from contracts.tests.factories import make_asset, make_contract, make_registration
from teams.models import Team
from teams.principal import Principal, PrincipalKind
from tessera.errors import BadRequestError

pytestmark = pytest.mark.django_db


def as_team(team: Team) -> Principal:
    return Principal(PrincipalKind.API_KEY, frozenset({"read", "write"}), team)


@pytest.fixture
def asset(team):
    return make_asset(team, fqn="warehouse.payments")


@pytest.fixture
def contract(asset):
    return make_contract(asset, "1.0.0")


@pytest.fixture
def proposal(asset, contract):
    return Proposal.objects.create(
        asset=asset,
        proposed_schema={"type": "object"},
        change_type="major",
        breaking_changes=[],
        proposed_by=asset.owner_team_id,
        proposed_version="2.0.0",
    )


@pytest.fixture
def webhooks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    sent: list[tuple[str, dict[str, Any]]] = []

    def record(event_type: str, payload: dict[str, Any]) -> None:
        sent.append(
            (event_type, json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
        )

    monkeypatch.setattr(proposals, "queue_event", record)
    return sent


def ack(
    proposal: Proposal, team: Team, response: str = "approved", **kwargs: Any
) -> Acknowledgment:
    return acknowledge_proposal(
        proposal_id=proposal.id,
        consumer_team_id=team.id,
        response=response,
        actor=as_team(team),
        **kwargs,
    )


def status_of(proposal: Proposal) -> str:
    proposal.refresh_from_db()
    return proposal.status


def actions(proposal: Proposal) -> list[tuple[str, Any, dict[str, Any]]]:
    events = Event.objects.filter(entity_id=proposal.id).order_by("occurred_at", "id")
    return [(event.action, event.actor_id, event.payload) for event in events]


# --- Completion rules --------------------------------------------------------------------


def test_every_required_team_must_answer(proposal, contract, make_team):
    analytics, finance = make_team("Analytics"), make_team("Finance")
    make_registration(contract, analytics)
    make_registration(contract, finance)

    ack(proposal, analytics, "migrating")
    assert status_of(proposal) == "pending"
    ack(proposal, finance)
    assert status_of(proposal) == "approved"


def test_unregistered_teams_may_answer_without_completing(
    proposal, contract, make_team
):
    make_registration(contract, make_team("Analytics"))

    ack(proposal, make_team("Stranger"))

    assert status_of(proposal) == "pending"


def test_without_consumers_the_first_answer_approves(proposal, make_team):
    ack(proposal, make_team("Stranger"), "migrating")

    assert status_of(proposal) == "approved"


def test_a_proposal_without_consumers_is_not_approved_on_creation(proposal):
    assert status_of(proposal) == "pending"


def test_a_block_rejects_even_from_a_stranger(proposal, contract, make_team):
    make_registration(contract, make_team("Analytics"))

    ack(proposal, make_team("Stranger"), "blocked")

    assert status_of(proposal) == "rejected"


def test_only_active_registrations_on_the_current_contract_are_required(
    proposal, contract, asset, make_team
):
    old_consumer, idle, current_consumer = (
        make_team("Old"),
        make_team("Idle"),
        make_team("Current"),
    )
    make_registration(contract, old_consumer)
    Contract.objects.filter(pk=contract.pk).update(status="deprecated")
    current = make_contract(asset, "1.1.0")
    make_registration(current, idle, status="inactive")
    make_registration(current, current_consumer)

    assert required_team_ids(asset.id) == {current_consumer.id}
    ack(proposal, current_consumer)
    assert status_of(proposal) == "approved"


def test_the_required_set_is_evaluated_at_each_acknowledgment(
    proposal, contract, make_team
):
    analytics, finance = make_team("Analytics"), make_team("Finance")
    make_registration(contract, analytics)
    ack(proposal, analytics)  # completes: approved
    assert status_of(proposal) == "approved"

    second = Proposal.objects.create(
        asset=proposal.asset,
        proposed_schema={},
        change_type="major",
        proposed_by=proposal.proposed_by,
    )
    ack(second, analytics)
    make_registration(contract, finance)  # registered after the proposal opened
    assert status_of(second) == "approved"  # already approved: nothing changes
    third = Proposal.objects.create(
        asset=proposal.asset,
        proposed_schema={},
        change_type="major",
        proposed_by=proposal.proposed_by,
    )
    ack(third, analytics)
    assert status_of(third) == "pending"  # finance is required now


def test_a_repeated_answer_is_refused_even_if_the_check_is_raced(
    proposal, contract, make_team, monkeypatch
):
    analytics = make_team("Analytics")
    make_registration(contract, analytics)
    make_registration(contract, make_team("Finance"))
    ack(proposal, analytics)
    # As if two requests had both passed the check: the constraint answers.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)

    with pytest.raises(
        BadRequestError, match=r"^This team has already acknowledged this proposal$"
    ):
        ack(proposal, analytics, "blocked")

    assert status_of(proposal) == "pending"
    assert Acknowledgment.objects.filter(proposal=proposal).count() == 1


# --- Audit trail and webhooks ----------------------------------------------------------


def test_an_incomplete_acknowledgment_is_audited_and_announced(
    proposal, contract, make_team, webhooks, asset
):
    analytics = make_team("Analytics")
    make_registration(contract, analytics)
    make_registration(contract, make_team("Finance"))
    make_registration(contract, make_team("Sales"))

    ack(proposal, analytics, "migrating", notes="Q3", migration_deadline=None)

    assert actions(proposal) == [
        (
            "proposal.acknowledged",
            analytics.id,
            {"response": "migrating", "notes": "Q3"},
        )
    ]
    assert webhooks == [
        (
            "proposal.acknowledged",
            {
                "proposal_id": str(proposal.id),
                "asset_id": str(asset.id),
                "asset_fqn": "warehouse.payments",
                "consumer_team_id": str(analytics.id),
                "consumer_team_name": "Analytics",
                "response": "migrating",
                "migration_deadline": None,
                "notes": "Q3",
                "pending_count": 2,
                "acknowledged_count": 1,
            },
        )
    ]


def test_the_completing_acknowledgment_approves_once(
    proposal, contract, make_team, webhooks, asset
):
    analytics = make_team("Analytics")
    make_registration(contract, analytics)
    stranger = make_team("Stranger")
    ack(proposal, stranger)
    webhooks.clear()

    ack(proposal, analytics)

    assert actions(proposal) == [
        ("proposal.acknowledged", stranger.id, {"response": "approved", "notes": None}),
        (
            "proposal.acknowledged",
            analytics.id,
            {"response": "approved", "notes": None},
        ),
        ("proposal.approved", None, {"acknowledged_count": 2, "auto_approved": True}),
    ]
    assert [
        (name, payload.get("pending_count"), payload.get("acknowledged_count"))
        for name, payload in webhooks
    ] == [
        ("proposal.acknowledged", 0, 2),
        ("proposal.approved", None, None),
    ]
    assert webhooks[1][1] == {
        "proposal_id": str(proposal.id),
        "asset_id": str(asset.id),
        "asset_fqn": "warehouse.payments",
        "status": "approved",
        "actor_team_id": None,
        "actor_team_name": None,
    }


def test_a_block_is_audited_and_only_the_rejection_announced(
    proposal, make_team, webhooks
):
    blocker = make_team("Blocker")

    ack(proposal, blocker, "blocked", notes="No")

    assert actions(proposal) == [
        ("proposal.acknowledged", blocker.id, {"response": "blocked", "notes": "No"}),
        ("proposal.rejected", blocker.id, {"reason": "Consumer blocked the proposal"}),
    ]
    assert [name for name, _ in webhooks] == ["proposal.rejected"]
    assert webhooks[0][1]["status"] == "rejected"
    assert (webhooks[0][1]["actor_team_id"], webhooks[0][1]["actor_team_name"]) == (
        str(blocker.id),
        "Blocker",
    )


def test_withdrawal_is_audited_and_announced(proposal, team, webhooks):
    withdraw_proposal(proposal_id=proposal.id, actor=as_team(team))

    assert status_of(proposal) == "withdrawn"
    assert actions(proposal) == [("proposal.withdrawn", team.id, {})]
    assert webhooks[0][0] == "proposal.withdrawn"
    assert webhooks[0][1]["status"] == "withdrawn"
    assert webhooks[0][1]["actor_team_id"] is None


def test_force_is_audited_and_announced_with_the_actor(proposal, team, webhooks):
    force_approve_proposal(
        proposal_id=proposal.id, actor_team_id=team.id, actor=as_team(team)
    )

    assert status_of(proposal) == "approved"
    assert actions(proposal) == [
        (
            "proposal.force_approved",
            team.id,
            {"warning": "Proposal force-approved without full consumer acknowledgment"},
        )
    ]
    assert webhooks[0][0] == "proposal.force_approved"
    assert webhooks[0][1]["status"] == "force_approved"
    assert (webhooks[0][1]["actor_team_id"], webhooks[0][1]["actor_team_name"]) == (
        str(team.id),
        "Producers",
    )


def test_an_admin_may_force_for_a_team_that_does_not_exist(proposal, webhooks):
    ghost = "00000000-0000-0000-0000-000000000042"

    force_approve_proposal(
        proposal_id=proposal.id,
        actor_team_id=ghost,
        actor=Principal.system("admin:root"),
    )

    assert (webhooks[0][1]["actor_team_id"], webhooks[0][1]["actor_team_name"]) == (
        ghost,
        None,
    )
    event = Event.objects.get(action="proposal.force_approved")
    assert str(event.actor_id) == ghost
    assert event.actor_label == "admin:root"


# --- Reads ------------------------------------------------------------------------------


def test_the_status_deduplicates_registrations_by_team(proposal, contract, make_team):
    analytics = make_team("Analytics")
    make_registration(contract, analytics)
    make_registration(contract, analytics)
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=make_team("Other"), response="blocked"
    )

    status = proposal_status(proposal)

    assert (status.total, status.acknowledged, status.pending, status.blocked) == (
        1,
        1,
        1,
        1,
    )
    assert [consumer.team_name for consumer in status.pending_consumers] == [
        "Analytics"
    ]


def test_summary_counts_are_annotations(
    proposal, contract, make_team, django_assert_num_queries
):
    team = make_team("Analytics")
    make_registration(contract, team)
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=team, response="approved"
    )

    with django_assert_num_queries(1):
        [row] = list(with_summary_counts(Proposal.objects.all()))
        assert (row.acknowledgment_count, row.total_consumers, row.asset.fqn) == (
            1,
            1,
            "warehouse.payments",
        )


# --- Admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_browser() -> Client:
    user = get_user_model().objects.create_superuser(
        "root", "root@example.com", "secret"
    )
    browser = Client()
    browser.force_login(user)
    return browser


def run_action(browser: Client, action: str, *proposals_: Proposal) -> Any:
    return browser.post(
        "/admin/contracts/proposal/",
        {"action": action, "_selected_action": [str(p.id) for p in proposals_]},
        follow=True,
    )


def test_the_admin_withdraws_proposals_through_the_service(
    admin_browser, proposal, asset
):
    settled = Proposal.objects.create(
        asset=asset,
        proposed_schema={},
        change_type="major",
        proposed_by=asset.owner_team_id,
        status="rejected",
    )

    response = run_action(admin_browser, "withdraw", proposal, settled)

    assert response.status_code == 200
    texts = [str(message) for message in response.context["messages"]]
    assert "Withdrew 1 proposal(s)." in texts
    assert any(text.endswith("Proposal is not pending") for text in texts)
    assert status_of(proposal) == "withdrawn"
    assert status_of(settled) == "rejected"
    event = Event.objects.get(action="proposal.withdrawn")
    assert (event.actor_id, event.actor_label, event.payload) == (
        None,
        "admin:root",
        {},
    )


def test_the_admin_force_approves_proposals_through_the_service(
    admin_browser, proposal
):
    response = run_action(admin_browser, "force_approve", proposal)

    assert "Force-approved 1 proposal(s)." in [
        str(message) for message in response.context["messages"]
    ]
    assert status_of(proposal) == "approved"
    assert (
        Event.objects.get(action="proposal.force_approved").actor_label == "admin:root"
    )


def test_the_admin_pages_render(admin_browser, proposal, contract, make_team):
    make_registration(contract, make_team("Analytics"))
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=make_team("Finance"), response="approved"
    )

    pages = [
        "/admin/contracts/contract/",
        "/admin/contracts/contract/?status__exact=active",
        f"/admin/contracts/contract/?asset__id__exact={contract.asset_id}",
        f"/admin/contracts/contract/{contract.id}/change/",
        "/admin/contracts/registration/",
        "/admin/contracts/proposal/",
        f"/admin/contracts/proposal/{proposal.id}/change/",
    ]
    for page in pages:
        response = admin_browser.get(page)
        assert response.status_code == 200, page

    detail = admin_browser.get(
        f"/admin/contracts/contract/{contract.id}/change/"
    ).content.decode()
    assert "&quot;properties&quot;: {" in detail  # the schema, indented
    proposal_page = admin_browser.get(
        f"/admin/contracts/proposal/{proposal.id}/change/"
    ).content.decode()
    assert "Finance" in proposal_page  # the acknowledgments inline
