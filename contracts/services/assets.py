"""Writes and reads on assets and their dependencies (API.md 5.2.1-5.2.7, 5.2.13-5.2.16).

Every write checks ownership (API.md 2.4: the owner team, or any team for admins),
runs in one transaction and records its audit event in that transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from contracts.errors import AssetNotFoundError, DuplicateAssetError, NotOwnerError
from contracts.models import Asset, Dependency, Registration
from teams.models import Team
from teams.principal import Principal
from tessera.errors import BadRequestError, NotFoundError


def _duplicate_pair(fqn: str, environment: str) -> DuplicateAssetError:
    return DuplicateAssetError(
        f"Asset '{fqn}' already exists in environment '{environment}'"
    )


def _live_team(team_id: uuid.UUID) -> Team:
    # A soft-deleted team cannot own new assets (API.md 5.2.1 RECOMMEND).
    team = Team.objects.alive().filter(pk=team_id).first()
    if team is None:
        raise NotFoundError("Owner team not found")
    return team


def get_asset(asset_id: uuid.UUID, *, include_deleted: bool = False) -> Asset:
    """Return the asset or raise ``404 Asset not found``.

    Most reads serve soft-deleted assets (WORKFLOWS.md 3); only the plain
    get/update/delete endpoints treat them as absent.
    """
    queryset = Asset.objects.all() if include_deleted else Asset.objects.alive()
    asset = queryset.filter(pk=asset_id).first()
    if asset is None:
        raise AssetNotFoundError()
    return asset


@transaction.atomic
def create_asset(
    *,
    fqn: str,
    owner_team_id: uuid.UUID,
    environment: str,
    metadata: dict[str, Any],
    actor: Principal,
) -> Asset:
    """Create an asset for ``owner_team_id``, in the check order of API.md 5.2.1."""
    if not actor.owns(owner_team_id):
        raise NotOwnerError("You can only create assets for teams you belong to")
    owner = _live_team(owner_team_id)
    if Asset.objects.alive().filter(fqn=fqn, environment=environment).exists():
        raise _duplicate_pair(fqn, environment)
    asset = Asset(fqn=fqn, owner_team=owner, environment=environment, metadata=metadata)
    try:
        # A savepoint, so the request's transaction survives the constraint error.
        with transaction.atomic():
            asset.save(force_insert=True)
    except IntegrityError:
        # A soft-deleted asset (or a concurrent insert) holds the pair.
        raise DuplicateAssetError(f"Asset with FQN '{fqn}' already exists") from None
    record_event(
        action="asset.created",
        entity_type="asset",
        entity_id=asset.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"fqn": fqn, "environment": environment, "owner_team_id": owner.id},
    )
    return asset


@transaction.atomic
def update_asset(
    *,
    asset: Asset,
    actor: Principal,
    fqn: str | None = None,
    owner_team_id: uuid.UUID | None = None,
    environment: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Asset:
    """Apply a partial update; ``None`` leaves a field unchanged.

    Beyond the reference (API.md 5.2.5 RECOMMEND): a new owner must be a live team
    (404) and a taken (fqn, environment) pair is a 409 instead of a server error.
    """
    if not actor.owns(asset.owner_team_id):
        raise NotOwnerError("You can only update assets belonging to your team")
    changes: dict[str, Any] = {}
    if owner_team_id is not None and owner_team_id != asset.owner_team_id:
        owner = _live_team(owner_team_id)
        changes["owner_team_id"] = {"old": asset.owner_team_id, "new": owner.id}
        asset.owner_team = owner
    for field, value in (("fqn", fqn), ("environment", environment)):
        if value is not None and value != getattr(asset, field):
            changes[field] = {"old": getattr(asset, field), "new": value}
            setattr(asset, field, value)
    if metadata is not None and metadata != asset.metadata:
        changes["metadata"] = {"old": asset.metadata, "new": metadata}
        asset.metadata = metadata
    if not changes:
        return asset

    if "fqn" in changes or "environment" in changes:
        # Soft-deleted rows count: the database constraint keeps their pair reserved.
        taken = Asset.objects.filter(fqn=asset.fqn, environment=asset.environment)
        if taken.exclude(pk=asset.pk).exists():
            raise _duplicate_pair(asset.fqn, asset.environment)
    # Update only the changed columns, so a concurrent update of other fields survives.
    columns = ["owner_team" if field == "owner_team_id" else field for field in changes]
    try:
        with transaction.atomic():
            asset.save(update_fields=columns)
    except IntegrityError:
        raise _duplicate_pair(asset.fqn, asset.environment) from None
    record_event(
        action="asset.updated",
        entity_type="asset",
        entity_id=asset.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"changes": changes},
    )
    return asset


@transaction.atomic
def delete_asset(*, asset: Asset, actor: Principal) -> Asset:
    """Soft-delete: contracts, registrations, proposals and dependencies stay untouched."""
    if not actor.owns(asset.owner_team_id):
        raise NotOwnerError("You can only delete assets belonging to your team")
    asset.deleted_at = timezone.now()
    asset.save(update_fields=["deleted_at"])
    record_event(
        action="asset.deleted",
        entity_type="asset",
        entity_id=asset.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"fqn": asset.fqn, "environment": asset.environment},
    )
    return asset


@transaction.atomic
def restore_asset(*, asset: Asset, actor: Principal) -> Asset:
    """Undo a soft delete. Restoring a live asset changes nothing (idempotent).

    No uniqueness re-check is needed: the (fqn, environment) constraint covers
    soft-deleted rows, so the pair cannot have been taken meanwhile.
    """
    if asset.deleted_at is not None:
        asset.deleted_at = None
        asset.save(update_fields=["deleted_at"])
        record_event(
            action="asset.restored",
            entity_type="asset",
            entity_id=asset.id,
            actor_id=actor.team_id,
            actor_label=actor.label,
            payload={"fqn": asset.fqn, "environment": asset.environment},
        )
    return asset


# --- Dependencies -----------------------------------------------------------------------


@transaction.atomic
def add_dependency(
    *,
    asset: Asset,
    depends_on_asset_id: uuid.UUID,
    dependency_type: str,
    actor: Principal,
) -> Dependency:
    """Record that ``asset`` reads from ``depends_on_asset_id``, in the order of API.md 5.2.13.

    Cycles between distinct assets are allowed; self-dependencies and repeated pairs
    (whatever their type) are not.
    """
    if not actor.owns(asset.owner_team_id):
        raise NotOwnerError(
            "You can only add dependencies to assets belonging to your team"
        )
    # Soft-deleted upstream assets are accepted, as by the reference.
    if not Asset.objects.filter(pk=depends_on_asset_id).exists():
        raise NotFoundError("Dependency asset not found")
    if depends_on_asset_id == asset.id:
        raise BadRequestError("Asset cannot depend on itself")
    pair = Dependency.objects.filter(
        dependent_asset=asset, dependency_asset_id=depends_on_asset_id
    )
    if pair.exists():
        raise BadRequestError("Dependency already exists")
    dependency = Dependency(
        dependent_asset=asset,
        dependency_asset_id=depends_on_asset_id,
        dependency_type=dependency_type,
    )
    try:
        with transaction.atomic():
            dependency.save(force_insert=True)
    except IntegrityError:
        # A concurrent request created the same pair first.
        raise BadRequestError("Dependency already exists") from None
    record_event(
        action="dependency.created",
        entity_type="dependency",
        entity_id=dependency.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={
            "dependent_asset_id": asset.id,
            "dependency_asset_id": depends_on_asset_id,
            "dependency_type": dependency_type,
        },
    )
    return dependency


def get_dependency(*, asset_id: uuid.UUID, dependency_id: uuid.UUID) -> Dependency:
    """Return the dependency of ``asset_id`` (as dependent) or raise ``404 Dependency not found``."""
    dependency = (
        Dependency.objects.select_related("dependent_asset")
        .filter(pk=dependency_id, dependent_asset_id=asset_id)
        .first()
    )
    if dependency is None:
        raise NotFoundError("Dependency not found")
    return dependency


@transaction.atomic
def remove_dependency(*, dependency: Dependency, actor: Principal) -> None:
    """Hard-delete a dependency; only the dependent asset's owner (or an admin) may.

    The reference checks no ownership here; API.md 5.2.15 recommends the creation rule.
    """
    if not actor.owns(dependency.dependent_asset.owner_team_id):
        raise NotOwnerError(
            "You can only remove dependencies from assets belonging to your team"
        )
    payload = {
        "dependent_asset_id": dependency.dependent_asset_id,
        "dependency_asset_id": dependency.dependency_asset_id,
        "dependency_type": dependency.dependency_type,
    }
    dependency_id = dependency.id
    dependency.delete()
    record_event(
        action="dependency.deleted",
        entity_type="dependency",
        entity_id=dependency_id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload=payload,
    )


# --- Lineage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lineage:
    """One hop of lineage around ``asset`` (API.md 5.2.16, WORKFLOWS.md 7.2)."""

    asset: Asset
    # Rows where the asset is the dependent: what it reads from.
    upstream: list[Dependency]
    # Rows where the asset is the upstream: who reads from it.
    downstream_assets: list[Dependency]
    # Every registration (any status) on every contract (any status) of the asset,
    # ordered by consumer team name, team id, then registration time and id.
    registrations: list[Registration]


def get_lineage(asset_id: uuid.UUID) -> Lineage:
    """Collect the one-hop lineage of an asset in four queries, whatever its size.

    Soft-deleted assets are served and appear on either side.
    """
    asset = Asset.objects.select_related("owner_team").filter(pk=asset_id).first()
    if asset is None:
        raise AssetNotFoundError()
    upstream = list(
        Dependency.objects.filter(dependent_asset=asset)
        .select_related("dependency_asset__owner_team")
        .order_by("created_at", "id")
    )
    downstream_assets = list(
        Dependency.objects.filter(dependency_asset=asset)
        .select_related("dependent_asset__owner_team")
        .order_by("created_at", "id")
    )
    registrations = list(
        Registration.objects.filter(contract__asset=asset)
        .select_related("consumer_team")
        .order_by("consumer_team__name", "consumer_team_id", "registered_at", "id")
    )
    return Lineage(
        asset=asset,
        upstream=upstream,
        downstream_assets=downstream_assets,
        registrations=registrations,
    )
