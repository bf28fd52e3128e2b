"""Writes on teams and API keys. Every write records an audit event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from teams import keys
from teams.models import ApiKey, Team
from teams.principal import Principal
from tessera.errors import ConflictError, ErrorCode


def _duplicate_name(name: str) -> ConflictError:
    return ConflictError(
        f"Team with name '{name}' already exists", code=ErrorCode.DUPLICATE_TEAM
    )


def _save_name(team: Team, *, insert: bool) -> None:
    """Save ``team``, turning a name collision (even a concurrent one) into a 409."""
    try:
        with transaction.atomic():
            team.save(force_insert=insert)
    except IntegrityError:
        raise _duplicate_name(team.name) from None


@transaction.atomic
def create_team(*, name: str, metadata: dict[str, Any], actor: Principal) -> Team:
    """Create a team; names are unique among all teams, soft-deleted ones included."""
    if Team.objects.filter(name=name).exists():
        raise _duplicate_name(name)
    team = Team(name=name, metadata=metadata)
    _save_name(team, insert=True)
    record_event(
        action="team.created",
        entity_type="team",
        entity_id=team.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"name": team.name},
    )
    return team


@transaction.atomic
def update_team(
    *,
    team: Team,
    actor: Principal,
    name: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Team:
    """Rename a team and/or replace its metadata; ``None`` leaves a field unchanged."""
    changes: dict[str, Any] = {}
    if name is not None and name != team.name:
        if Team.objects.filter(name=name).exclude(pk=team.pk).exists():
            raise _duplicate_name(name)
        changes["name"] = {"old": team.name, "new": name}
        team.name = name
    if metadata is not None:
        changes["metadata"] = True
        team.metadata = metadata
    if changes:
        _save_name(team, insert=False)
    record_event(
        action="team.updated",
        entity_type="team",
        entity_id=team.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"changes": changes},
    )
    return team


@transaction.atomic
def delete_team(*, team: Team, actor: Principal) -> Team:
    """Soft-delete: the team's keys stop working; its assets and registrations stay."""
    team.deleted_at = timezone.now()
    team.save(update_fields=["deleted_at"])
    record_event(
        action="team.deleted",
        entity_type="team",
        entity_id=team.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
    )
    return team


@transaction.atomic
def restore_team(*, team: Team, actor: Principal) -> Team:
    """Undo a soft delete. Restoring a live team changes nothing (idempotent)."""
    if team.deleted_at is not None:
        team.deleted_at = None
        team.save(update_fields=["deleted_at"])
        record_event(
            action="team.restored",
            entity_type="team",
            entity_id=team.id,
            actor_id=actor.team_id,
            actor_label=actor.label,
        )
    return team


@transaction.atomic
def create_api_key(
    *,
    team: Team,
    name: str,
    scopes: list[str],
    actor: Principal,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key for ``team``. Returns the row and the raw key, which is never stored."""
    raw = keys.generate_key()
    key = ApiKey.objects.create(
        key_hash=keys.digest(raw),
        key_prefix=raw[: keys.PREFIX_LENGTH],
        name=name,
        team=team,
        scopes=list(scopes),
        expires_at=expires_at,
    )
    record_event(
        action="api_key.created",
        entity_type="api_key",
        entity_id=key.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"name": name, "team_id": str(team.id), "scopes": list(scopes)},
    )
    return key, raw


@transaction.atomic
def revoke_api_key(*, key: ApiKey, actor: Principal) -> ApiKey:
    """Revoke ``key``; repeating it keeps the first ``revoked_at`` but is audited again."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    record_event(
        action="api_key.revoked",
        entity_type="api_key",
        entity_id=key.id,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload={"name": key.name, "team_id": str(key.team_id)},
    )
    return key
