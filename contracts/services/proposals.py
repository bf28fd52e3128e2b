"""Proposals and acknowledgments: the state machine of WORKFLOWS.md 5.

Every transition locks the proposal row first, so concurrent acknowledgments queue:
none is lost, and the one that completes the required set approves the proposal
exactly once.

The *required set* of a proposal is the teams with an ``active`` registration on the
asset's current active contract, evaluated at each acknowledgment (5.3).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import record_event
from contracts.errors import (
    NotOwnerError,
    ProposalNotFoundError,
    ProposalNotPendingError,
)
from contracts.models import Acknowledgment, Contract, Proposal, Registration
from teams.models import Team
from teams.principal import Principal
from tessera.errors import BadRequestError, NotFoundError
from webhooks.services import queue_event

FORCE_WARNING = "Proposal force-approved without full consumer acknowledgment"
BLOCKED_REASON = "Consumer blocked the proposal"


# --- Reads ------------------------------------------------------------------------------


def current_contract_id(asset_ref: Any) -> Subquery:
    """The id of the asset's current contract (latest-published active), as a subquery."""
    return Subquery(
        Contract.objects.filter(asset_id=asset_ref, status=Contract.Status.ACTIVE)
        .order_by("-published_at", "-id")
        .values("id")[:1]
    )


def current_registrations(asset_id: uuid.UUID) -> QuerySet[Registration]:
    """Active registrations on the asset's current contract, oldest first, with their teams."""
    return (
        Registration.objects.filter(
            contract_id=current_contract_id(asset_id),
            status=Registration.Status.ACTIVE,
        )
        .select_related("consumer_team")
        .order_by("registered_at", "id")
    )


def required_team_ids(asset_id: uuid.UUID) -> set[uuid.UUID]:
    """The teams whose acknowledgment a proposal on this asset needs (one query)."""
    return set(
        Registration.objects.filter(
            contract_id=current_contract_id(asset_id),
            status=Registration.Status.ACTIVE,
        ).values_list("consumer_team_id", flat=True)
    )


def with_summary_counts(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Annotate ``asset_fqn``, ``acknowledgment_count`` and ``total_consumers`` (API.md 5.5.1).

    ``total_consumers`` counts distinct teams with an active registration on the
    asset's current contract, computed now, like the status view.
    """
    acknowledgments = (
        Acknowledgment.objects.filter(proposal_id=OuterRef("pk"))
        .order_by()
        .values("proposal_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    consumers = (
        Registration.objects.filter(
            contract_id=current_contract_id(OuterRef(OuterRef("asset_id"))),
            status=Registration.Status.ACTIVE,
        )
        .order_by()
        .values("contract_id")
        .annotate(count=Count("consumer_team_id", distinct=True))
        .values("count")
    )
    return queryset.select_related("asset").annotate(
        acknowledgment_count=Coalesce(
            Subquery(acknowledgments, output_field=IntegerField()), 0
        ),
        total_consumers=Coalesce(Subquery(consumers, output_field=IntegerField()), 0),
    )


@dataclass(frozen=True)
class PendingConsumer:
    team_id: uuid.UUID
    team_name: str
    registered_at: datetime


@dataclass(frozen=True)
class ProposalStatus:
    """The consumer picture of a proposal, recomputed at request time (API.md 5.5.3)."""

    proposal: Proposal
    proposer_name: str
    total: int
    acknowledgments: list[Acknowledgment]
    pending_consumers: list[PendingConsumer]

    @property
    def acknowledged(self) -> int:
        return len(self.acknowledgments)

    @property
    def pending(self) -> int:
        return len(self.pending_consumers)

    @property
    def blocked(self) -> int:
        return sum(
            1
            for ack in self.acknowledgments
            if ack.response == Acknowledgment.Response.BLOCKED
        )

    @property
    def can_publish(self) -> bool:
        # Approved and not yet published: a proposal publishes at most once.
        return (
            self.proposal.status == Proposal.Status.APPROVED
            and self.proposal.published_contract_id is None
        )


def proposal_status(proposal: Proposal) -> ProposalStatus:
    """Count consumers of ``proposal`` (registrations deduplicated by team, as recommended)."""
    proposer = (
        Team.objects.filter(pk=proposal.proposed_by)
        .values_list("name", flat=True)
        .first()
    )
    acknowledgments = list(
        proposal.acknowledgments.select_related("consumer_team").order_by(
            "responded_at", "id"
        )
    )
    acknowledged = {ack.consumer_team_id for ack in acknowledgments}
    consumers: dict[uuid.UUID, Registration] = {}
    for registration in current_registrations(proposal.asset_id):
        consumers.setdefault(registration.consumer_team_id, registration)
    pending = [
        PendingConsumer(
            team_id, registration.consumer_team.name, registration.registered_at
        )
        for team_id, registration in consumers.items()
        if team_id not in acknowledged
    ]
    return ProposalStatus(
        proposal=proposal,
        proposer_name=proposer if proposer is not None else "Unknown",
        total=len(consumers),
        acknowledgments=acknowledgments,
        pending_consumers=pending,
    )


# --- Transitions ------------------------------------------------------------------------


def _locked_proposal(proposal_id: uuid.UUID) -> Proposal:
    """Lock the proposal row (not its asset) and return it, with the asset loaded."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("asset")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise ProposalNotFoundError()
    return proposal


def _resolve(proposal: Proposal, status: str) -> None:
    proposal.status = status
    proposal.resolved_at = timezone.now()
    proposal.save(update_fields=["status", "resolved_at"])


def _queue_status_event(
    proposal: Proposal, *, event: str, status: str, actor_team: Team | None
) -> None:
    queue_event(
        event,
        {
            "proposal_id": proposal.id,
            "asset_id": proposal.asset_id,
            "asset_fqn": proposal.asset.fqn,
            "status": status,
            "actor_team_id": actor_team.id if actor_team is not None else None,
            "actor_team_name": actor_team.name if actor_team is not None else None,
        },
    )


@transaction.atomic
def acknowledge_proposal(
    *,
    proposal_id: uuid.UUID,
    consumer_team_id: uuid.UUID,
    response: str,
    actor: Principal,
    migration_deadline: datetime | None = None,
    notes: str | None = None,
) -> Acknowledgment:
    """Record a consumer's answer; ``blocked`` rejects, a complete set approves.

    Order of API.md 5.5.4. Any existing team may answer, registered or not
    (WORKFLOWS.md 5.2); with an empty required set the first non-blocking answer
    approves.
    """
    if not actor.owns(consumer_team_id):
        raise NotOwnerError(
            "You can only acknowledge proposals on behalf of your own team"
        )
    proposal = _locked_proposal(proposal_id)
    if proposal.status != Proposal.Status.PENDING:
        raise ProposalNotPendingError()
    team = Team.objects.alive().filter(pk=consumer_team_id).first()
    if team is None:
        raise NotFoundError("Consumer team not found")
    already = BadRequestError("This team has already acknowledged this proposal")
    if Acknowledgment.objects.filter(proposal=proposal, consumer_team=team).exists():
        raise already
    acknowledgment = Acknowledgment(
        proposal=proposal,
        consumer_team=team,
        response=response,
        migration_deadline=migration_deadline,
        notes=notes,
    )
    try:
        # The unique (proposal, team) constraint backs the check above.
        with transaction.atomic():
            acknowledgment.save(force_insert=True)
    except IntegrityError:
        raise already from None
    record_event(
        action="proposal.acknowledged",
        entity_type="proposal",
        entity_id=proposal.id,
        actor_id=team.id,
        actor_label=actor.label,
        payload={"response": response, "notes": notes},
    )

    if response == Acknowledgment.Response.BLOCKED:
        _resolve(proposal, Proposal.Status.REJECTED)
        record_event(
            action="proposal.rejected",
            entity_type="proposal",
            entity_id=proposal.id,
            actor_id=team.id,
            actor_label=actor.label,
            payload={"reason": BLOCKED_REASON},
        )
        _queue_status_event(
            proposal, event="proposal.rejected", status="rejected", actor_team=team
        )
        return acknowledgment

    acknowledged = set(
        Acknowledgment.objects.filter(proposal=proposal).values_list(
            "consumer_team_id", flat=True
        )
    )
    required = required_team_ids(proposal.asset_id)
    queue_event(
        "proposal.acknowledged",
        {
            "proposal_id": proposal.id,
            "asset_id": proposal.asset_id,
            "asset_fqn": proposal.asset.fqn,
            "consumer_team_id": team.id,
            "consumer_team_name": team.name,
            "response": response,
            "migration_deadline": migration_deadline,
            "notes": notes,
            "pending_count": len(required - acknowledged),
            "acknowledged_count": len(acknowledged),
        },
    )
    if required <= acknowledged:
        _resolve(proposal, Proposal.Status.APPROVED)
        record_event(
            action="proposal.approved",
            entity_type="proposal",
            entity_id=proposal.id,
            actor_id=None,
            actor_label=actor.label,
            payload={"acknowledged_count": len(acknowledged), "auto_approved": True},
        )
        _queue_status_event(
            proposal, event="proposal.approved", status="approved", actor_team=None
        )
    return acknowledgment


@transaction.atomic
def withdraw_proposal(*, proposal_id: uuid.UUID, actor: Principal) -> Proposal:
    """Withdraw a pending proposal; only its proposer (or an admin) may."""
    proposal = _locked_proposal(proposal_id)
    if not actor.owns(proposal.proposed_by):
        raise NotOwnerError("You can only withdraw your own proposals")
    if proposal.status != Proposal.Status.PENDING:
        raise ProposalNotPendingError()
    _resolve(proposal, Proposal.Status.WITHDRAWN)
    # The reference writes no event here; WORKFLOWS.md 11 recommends this one.
    record_event(
        action="proposal.withdrawn",
        entity_type="proposal",
        entity_id=proposal.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={},
    )
    _queue_status_event(
        proposal, event="proposal.withdrawn", status="withdrawn", actor_team=None
    )
    return proposal


@transaction.atomic
def force_approve_proposal(
    *, proposal_id: uuid.UUID, actor_team_id: uuid.UUID | None, actor: Principal
) -> Proposal:
    """Approve a pending proposal without waiting for its consumers.

    As in the reference, the check is on ``actor_team_id`` (the caller's own team,
    or any for admins), not on who owns the proposal. The actor team need not exist.
    """
    if not actor.owns(actor_team_id):
        raise NotOwnerError("You can only force approve on behalf of your own team")
    proposal = _locked_proposal(proposal_id)
    if proposal.status != Proposal.Status.PENDING:
        raise ProposalNotPendingError()
    _resolve(proposal, Proposal.Status.APPROVED)
    record_event(
        action="proposal.force_approved",
        entity_type="proposal",
        entity_id=proposal.id,
        actor_id=actor_team_id,
        actor_label=actor.label,
        payload={"warning": FORCE_WARNING},
    )
    actor_team = (
        Team.objects.filter(pk=actor_team_id).first() if actor_team_id else None
    )
    queue_event(
        "proposal.force_approved",
        {
            "proposal_id": proposal.id,
            "asset_id": proposal.asset_id,
            "asset_fqn": proposal.asset.fqn,
            "status": "force_approved",
            # The reference names the actor id even when no such team exists.
            "actor_team_id": actor_team_id,
            "actor_team_name": actor_team.name if actor_team is not None else None,
        },
    )
    return proposal
