"""Consumer registrations on contracts (WORKFLOWS.md 6).

A registration ties a consumer team to one contract row. Duplicates are allowed
(clients re-run registration); consumer counts deduplicate by team instead.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from audit.services import record_event
from contracts.errors import NotOwnerError, RegistrationNotFoundError
from contracts.models import Contract, Registration
from teams.models import Team
from teams.principal import Principal
from tessera.errors import NotFoundError


def contract_for_registration(
    *, contract_id: uuid.UUID | None = None, asset_id: uuid.UUID | None = None
) -> Contract:
    """Find the contract to register on: by id (any status), or an asset's current one (EXT-4)."""
    if contract_id is not None:
        contract = Contract.objects.filter(pk=contract_id).first()
    else:
        contract = Contract.objects.current_for(asset_id)
    if contract is None:
        raise NotFoundError("Contract not found")
    return contract


@transaction.atomic
def create_registration(
    *,
    consumer_team_id: uuid.UUID,
    actor: Principal,
    contract_id: uuid.UUID | None = None,
    asset_id: uuid.UUID | None = None,
    pinned_version: str | None = None,
) -> Registration:
    """Register ``consumer_team_id`` on a contract, named by id or by asset (EXT-4).

    Order of API.md 5.4.1: ownership, then the contract, then the consumer team,
    which must exist and not be soft-deleted.
    """
    if not actor.owns(consumer_team_id):
        raise NotOwnerError(
            "You can only register for contracts on behalf of your own team"
        )
    contract = contract_for_registration(contract_id=contract_id, asset_id=asset_id)
    team = Team.objects.alive().filter(pk=consumer_team_id).first()
    if team is None:
        raise NotFoundError("Consumer team not found")
    registration = Registration.objects.create(
        contract=contract, consumer_team=team, pinned_version=pinned_version
    )
    record_event(
        action="registration.created",
        entity_type="registration",
        entity_id=registration.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={
            "contract_id": str(contract.id),
            "consumer_team_id": str(team.id),
            "pinned_version": pinned_version,
        },
    )
    return registration


def _registration_for_update(registration_id: uuid.UUID) -> Registration:
    registration = (
        Registration.objects.select_for_update().filter(pk=registration_id).first()
    )
    if registration is None:
        raise RegistrationNotFoundError()
    return registration


@transaction.atomic
def update_registration(
    *,
    registration_id: uuid.UUID,
    actor: Principal,
    pinned_version: str | None = None,
    status: str | None = None,
) -> Registration:
    """Change the pin and/or status; ``None`` leaves a field unchanged (so a pin can't be cleared)."""
    registration = _registration_for_update(registration_id)
    if not actor.owns(registration.consumer_team_id):
        raise NotOwnerError("You can only update registrations belonging to your team")
    changes: dict[str, dict[str, str | None]] = {}
    if pinned_version is not None and pinned_version != registration.pinned_version:
        changes["pinned_version"] = {
            "old": registration.pinned_version,
            "new": pinned_version,
        }
        registration.pinned_version = pinned_version
    if status is not None and status != registration.status:
        changes["status"] = {"old": registration.status, "new": status}
        registration.status = status
    if changes:
        # Only the changed fields: a concurrent update of the other one is kept.
        registration.save(update_fields=list(changes))
    record_event(
        action="registration.updated",
        entity_type="registration",
        entity_id=registration.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"changes": changes},
    )
    return registration


@transaction.atomic
def delete_registration(*, registration_id: uuid.UUID, actor: Principal) -> None:
    """Hard-delete a registration; the audit event keeps what it was."""
    registration = _registration_for_update(registration_id)
    if not actor.owns(registration.consumer_team_id):
        raise NotOwnerError("You can only delete registrations belonging to your team")
    record_event(
        action="registration.deleted",
        entity_type="registration",
        entity_id=registration.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={
            "contract_id": str(registration.contract_id),
            "consumer_team_id": str(registration.consumer_team_id),
        },
    )
    registration.delete()
