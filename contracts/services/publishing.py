"""Publishing contracts (WORKFLOWS.md 4) and comparing published versions (8).

``publish_contract`` makes the publish decision of WORKFLOWS.md 4.2: publish directly,
force-publish, or open a proposal when the change breaks consumers.
``publish_proposal`` turns an approved proposal into a contract (4.5). Both lock the
asset row for the whole decision, so two publishes of one asset never both deprecate
the same predecessor (API.md 9).

The read helpers at the end (history, version diff, compare) diff stored contracts
in Python; they never write.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from audit.services import record_event
from contracts.errors import (
    AssetNotFoundError,
    DuplicateContractVersionError,
    InvalidSchemaError,
    NotOwnerError,
    ProposalNotFoundError,
)
from contracts.models import (
    Asset,
    CompatibilityMode,
    Contract,
    Proposal,
    Registration,
)
from contracts.schema_diff import Change, SchemaDiff, diff_schemas
from contracts.schema_validation import schema_errors
from teams.models import Team
from teams.principal import Principal
from tessera.errors import BadRequestError, NotFoundError, RequestValidationError
from webhooks.services import queue_event

GUARANTEE_KEYS = ("freshness", "volume", "nullability", "accepted_values")
FORCE_WARNING = "Breaking change was force-published. Consumers may be affected."
PROPOSAL_MESSAGE = (
    "Breaking change detected. Proposal created for consumer acknowledgment."
)


class PublishAction(StrEnum):
    PUBLISHED = "published"
    FORCE_PUBLISHED = "force_published"
    PROPOSAL_CREATED = "proposal_created"


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: a new contract, or a proposal when the change was breaking.

    ``change_type`` is None for a first publish (nothing to compare with).
    ``breaking_changes`` holds the changes breaking under the current contract's mode.
    """

    action: PublishAction
    change_type: str | None = None
    breaking_changes: tuple[Change, ...] = ()
    contract: Contract | None = None
    proposal: Proposal | None = None
    deprecated_contract: Contract | None = None


def normalize_guarantees(guarantees: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Keep the four known guarantee keys, missing ones as None (API.md 4.4)."""
    if guarantees is None:
        return None
    return {key: guarantees.get(key) for key in GUARANTEE_KEYS}


@transaction.atomic
def publish_contract(
    *,
    asset_id: uuid.UUID,
    version: str,
    schema: dict[str, Any],
    published_by: uuid.UUID,
    actor: Principal,
    compatibility_mode: str = CompatibilityMode.BACKWARD,
    guarantees: Mapping[str, Any] | None = None,
    force: bool = False,
) -> PublishResult:
    """Publish ``schema`` as ``version`` of the asset, or open a proposal if it breaks consumers.

    Checks run in the order of API.md 5.2.8; the new contract, the deprecation of the
    current one, the audit event and the webhook rows commit together or not at all.
    """
    # Lock the asset: concurrent publishes of one asset queue here, so each sees the
    # contract its predecessor made current. Soft-deleted assets are not publishable.
    asset = Asset.objects.alive().select_for_update().filter(pk=asset_id).first()
    if asset is None:
        raise AssetNotFoundError()
    if not actor.owns(asset.owner_team_id):
        raise NotOwnerError(
            "You can only publish contracts for assets belonging to your team"
        )
    publisher = _publisher(published_by)
    if not actor.owns(publisher.id):
        raise NotOwnerError("You can only publish contracts on behalf of your own team")
    errors = schema_errors(schema)
    if errors:
        raise InvalidSchemaError(errors)

    current = Contract.objects.current_for(asset.id)
    diff: SchemaDiff | None = None
    breaking: tuple[Change, ...] = ()
    if current is not None:
        diff = diff_schemas(current.schema, schema)
        breaking = tuple(diff.breaking_changes(current.compatibility_mode))
        if breaking and not force:
            proposal = _open_proposal(
                asset=asset,
                current=current,
                schema=schema,
                version=version,
                diff=diff,
                breaking=breaking,
                publisher=publisher,
                actor=actor,
            )
            return PublishResult(
                action=PublishAction.PROPOSAL_CREATED,
                change_type=diff.change_type,
                breaking_changes=breaking,
                proposal=proposal,
            )

    forced = bool(breaking)
    contract = _create_contract(
        asset=asset,
        version=version,
        schema=schema,
        compatibility_mode=compatibility_mode,
        guarantees=normalize_guarantees(guarantees),
        publisher=publisher,
        current=current,
    )
    change_type = diff.change_type if diff is not None else None
    record_event(
        action="contract.force_published" if forced else "contract.published",
        entity_type="contract",
        entity_id=contract.id,
        actor_id=publisher.id,
        actor_label=actor.label,
        payload={"version": version, "change_type": change_type, "force": forced},
    )
    _queue_contract_published(contract, asset=asset, publisher=publisher, proposal=None)
    return PublishResult(
        action=PublishAction.FORCE_PUBLISHED if forced else PublishAction.PUBLISHED,
        change_type=change_type,
        breaking_changes=breaking,
        contract=contract,
        deprecated_contract=current,
    )


@transaction.atomic
def publish_proposal(
    *,
    proposal_id: uuid.UUID,
    actor: Principal,
    version: str | None = None,
    published_by: uuid.UUID | None = None,
) -> PublishResult:
    """Publish an approved proposal's schema as ``version`` (WORKFLOWS.md 4.5), once.

    The contract takes the current contract's mode and guarantees (``backward`` and
    empty guarantees when the asset has none). The proposal keeps its ``approved``
    status; the link to the contract it produced is what refuses a second publish.
    Without ``version`` and ``published_by`` (the original SDK sends neither), the
    version requested when the proposal was opened and its proposer are used.
    """
    if published_by is not None and not actor.owns(published_by):
        raise NotOwnerError("You can only publish on behalf of your own team")
    # Lock the proposal first, then its asset: the only place two rows are locked,
    # always in this order, so no lock cycle is possible.
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise ProposalNotFoundError()
    if proposal.status != Proposal.Status.APPROVED:
        raise BadRequestError(
            f"Cannot publish from proposal with status '{proposal.status}'. "
            "Proposal must be approved first."
        )
    if proposal.published_contract_id is not None:
        raise BadRequestError("Proposal has already been published")
    if published_by is None:
        published_by = proposal.proposed_by
        if not actor.owns(published_by):
            raise NotOwnerError("You can only publish on behalf of your own team")
    version = version or proposal.proposed_version
    if version is None:
        raise RequestValidationError.single(
            ["body", "version"], "Field required", type="missing"
        )
    errors = schema_errors(proposal.proposed_schema)
    if errors:
        # Only reachable for proposals whose schema bypassed validation (imports).
        raise BadRequestError(
            f"Invalid schema in proposal: Invalid JSON Schema: {'; '.join(errors)}"
        )
    asset = (
        Asset.objects.alive().select_for_update().filter(pk=proposal.asset_id).first()
    )
    if asset is None:
        raise AssetNotFoundError()
    publisher = _publisher(published_by)

    current = Contract.objects.current_for(asset.id)
    contract = _create_contract(
        asset=asset,
        version=version,
        schema=proposal.proposed_schema,
        compatibility_mode=current.compatibility_mode
        if current
        else CompatibilityMode.BACKWARD,
        guarantees=normalize_guarantees(current.guarantees if current else {}),
        publisher=publisher,
        current=current,
    )
    proposal.published_contract = contract
    proposal.save(update_fields=["published_contract"])
    record_event(
        action="contract.published",
        entity_type="contract",
        entity_id=contract.id,
        actor_id=publisher.id,
        actor_label=actor.label,
        payload={
            "version": version,
            "change_type": proposal.change_type,
            "force": False,
        },
    )
    _queue_contract_published(
        contract, asset=asset, publisher=publisher, proposal=proposal
    )
    return PublishResult(
        action=PublishAction.PUBLISHED,
        change_type=proposal.change_type,
        contract=contract,
        proposal=proposal,
        deprecated_contract=current,
    )


def _publisher(team_id: uuid.UUID) -> Team:
    # A soft-deleted team cannot publish (WORKFLOWS.md 2 recommends rejecting it).
    publisher = Team.objects.alive().filter(pk=team_id).first()
    if publisher is None:
        raise NotFoundError("Publisher team not found")
    return publisher


def _create_contract(
    *,
    asset: Asset,
    version: str,
    schema: dict[str, Any],
    compatibility_mode: str,
    guarantees: dict[str, Any] | None,
    publisher: Team,
    current: Contract | None,
) -> Contract:
    """Insert the new active contract and deprecate ``current``.

    The asset lock makes the version check reliable; the unique constraint on
    (asset, version) still backs it up, inside a savepoint so the 409 leaves the
    request's transaction usable.
    """
    if Contract.objects.filter(asset=asset, version=version).exists():
        raise DuplicateContractVersionError(version)
    contract = Contract(
        asset=asset,
        version=version,
        schema=schema,
        compatibility_mode=compatibility_mode,
        guarantees=guarantees,
        status=Contract.Status.ACTIVE,
        published_by=publisher.id,
    )
    try:
        with transaction.atomic():
            contract.save(force_insert=True)
    except IntegrityError:
        raise DuplicateContractVersionError(version) from None
    if current is not None:
        # Only the single latest active contract is deprecated (WORKFLOWS.md 4.2).
        current.status = Contract.Status.DEPRECATED
        current.save(update_fields=["status"])
    return contract


def _open_proposal(
    *,
    asset: Asset,
    current: Contract,
    schema: dict[str, Any],
    version: str,
    diff: SchemaDiff,
    breaking: Sequence[Change],
    publisher: Team,
    actor: Principal,
) -> Proposal:
    """Store a pending proposal for a breaking change and announce it."""
    proposal = Proposal.objects.create(
        asset=asset,
        proposed_schema=schema,
        change_type=diff.change_type,
        # The full change objects: the status view and webhooks need path and values.
        breaking_changes=[change.to_dict() for change in breaking],
        proposed_by=publisher.id,
        proposed_version=version,
    )
    record_event(
        action="proposal.created",
        entity_type="proposal",
        entity_id=proposal.id,
        actor_id=publisher.id,
        actor_label=actor.label,
        payload={
            "asset_id": str(asset.id),
            "change_type": diff.change_type,
            "breaking_changes_count": len(breaking),
        },
    )
    queue_event(
        "proposal.created",
        {
            "proposal_id": proposal.id,
            "asset_id": asset.id,
            "asset_fqn": asset.fqn,
            "producer_team_id": publisher.id,
            "producer_team_name": publisher.name,
            "proposed_version": version,
            "breaking_changes": [
                {
                    "change_type": change.kind.value,
                    "path": change.path,
                    "message": change.message,
                    "details": {
                        "old_value": change.old_value,
                        "new_value": change.new_value,
                    },
                }
                for change in breaking
            ],
            "impacted_consumers": _impacted_consumers(current),
        },
    )
    return proposal


def _impacted_consumers(current: Contract) -> list[dict[str, Any]]:
    """Teams with an active registration on ``current``, each once (its oldest registration)."""
    registrations = (
        Registration.objects.filter(contract=current, status=Registration.Status.ACTIVE)
        .select_related("consumer_team")
        .order_by("registered_at", "id")
    )
    consumers: dict[uuid.UUID, dict[str, Any]] = {}
    for registration in registrations:
        consumers.setdefault(
            registration.consumer_team_id,
            {
                "team_id": registration.consumer_team_id,
                "team_name": registration.consumer_team.name,
                "pinned_version": registration.pinned_version,
            },
        )
    return list(consumers.values())


def _queue_contract_published(
    contract: Contract, *, asset: Asset, publisher: Team, proposal: Proposal | None
) -> None:
    # Sent for every created contract, direct publishes included (WORKFLOWS.md 12.2).
    queue_event(
        "contract.published",
        {
            "contract_id": contract.id,
            "asset_id": asset.id,
            "asset_fqn": asset.fqn,
            "version": contract.version,
            "producer_team_id": publisher.id,
            "producer_team_name": publisher.name,
            "from_proposal_id": proposal.id if proposal is not None else None,
        },
    )


# --- Reads: comparing stored contracts ------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    contract: Contract
    change_type: str
    breaking_changes_count: int


@dataclass(frozen=True)
class ContractComparison:
    """Two contracts diffed old → new, with the breaking changes under ``mode``."""

    old: Contract
    new: Contract
    diff: SchemaDiff
    mode: str

    @property
    def breaking_changes(self) -> list[Change]:
        return self.diff.breaking_changes(self.mode)

    @property
    def is_compatible(self) -> bool:
        return self.diff.is_compatible(self.mode)


def contract_history(contracts: Sequence[Contract]) -> list[HistoryEntry]:
    """Diff each contract (newest first) against the next older one (API.md 5.2.10).

    The oldest is ``initial``; a count uses the older contract's mode. ``contracts``
    must be ordered newest first and already loaded: this runs no query.
    """
    entries = []
    for index, contract in enumerate(contracts):
        older = contracts[index + 1] if index + 1 < len(contracts) else None
        if older is None:
            entries.append(HistoryEntry(contract, "initial", 0))
            continue
        diff = diff_schemas(older.schema, contract.schema)
        entries.append(
            HistoryEntry(
                contract,
                diff.change_type,
                len(diff.breaking_changes(older.compatibility_mode)),
            )
        )
    return entries


def diff_versions(
    asset: Asset, *, from_version: str, to_version: str
) -> ContractComparison:
    """Diff two versions of one asset under the ``from`` contract's mode (API.md 5.2.11)."""
    by_version = {
        contract.version: contract
        for contract in Contract.objects.filter(
            asset=asset, version__in=[from_version, to_version]
        )
    }
    for version in (from_version, to_version):
        if version not in by_version:
            raise NotFoundError(
                f"Contract version '{version}' not found for this asset"
            )
    old, new = by_version[from_version], by_version[to_version]
    return ContractComparison(
        old, new, diff_schemas(old.schema, new.schema), old.compatibility_mode
    )


def compare_contracts(
    old: Contract, new: Contract, *, mode: str | None = None
) -> ContractComparison:
    """Diff any two contracts under ``mode``, else the first one's (API.md 5.3.2)."""
    return ContractComparison(
        old, new, diff_schemas(old.schema, new.schema), mode or old.compatibility_mode
    )
