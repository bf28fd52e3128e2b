"""Who is calling: a team acting with a set of scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from teams.models import ApiKey, ApiKeyScope, Team

ALL_SCOPES = frozenset(ApiKeyScope.values)


class PrincipalKind(StrEnum):
    API_KEY = "api_key"
    BOOTSTRAP = "bootstrap"
    AUTH_DISABLED = "auth_disabled"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass
class Principal:
    """The authenticated caller, set as ``request.user`` by the authentication classes.

    ``team`` is None only for the bootstrap key while no team exists (API.md 2.1).
    """

    kind: PrincipalKind
    scopes: frozenset[str]
    team: Team | None = None
    api_key: ApiKey | None = None
    label: str = field(default="")

    is_authenticated = True
    is_anonymous = False

    @property
    def team_id(self) -> uuid.UUID | None:
        return self.team.id if self.team is not None else None

    @property
    def is_admin(self) -> bool:
        return ApiKeyScope.ADMIN in self.scopes

    def has_scope(self, scope: str) -> bool:
        """``admin`` implies every scope; ``write`` does not imply ``read`` (API.md 2.3)."""
        return self.is_admin or scope in self.scopes

    def owns(self, team_id: uuid.UUID | str | None) -> bool:
        """Ownership check of API.md 2.4: the caller's team, or any team for admins."""
        return self.is_admin or (
            team_id is not None and str(team_id) == str(self.team_id)
        )

    @classmethod
    def for_api_key(cls, key: ApiKey) -> Principal:
        return cls(
            PrincipalKind.API_KEY,
            frozenset(key.scopes),
            key.team,
            key,
            f"api_key:{key.name}",
        )

    @classmethod
    def full_access(cls, kind: PrincipalKind, label: str = "") -> Principal:
        """All scopes, acting as the first team (bootstrap key, AUTH_DISABLED, staff)."""
        team = Team.objects.first_team()
        if team is None and kind == PrincipalKind.AUTH_DISABLED:
            # A transient, unsaved team so endpoints still work on an empty database.
            team = Team(id=uuid.uuid4(), name="mock-dev-team", metadata={})
        return cls(kind, ALL_SCOPES, team, None, label or kind.value)

    @classmethod
    def system(cls, label: str) -> Principal:
        """Management commands and admin actions that act for the installation itself."""
        return cls(PrincipalKind.SYSTEM, ALL_SCOPES, None, None, label)


def caller(request: Any) -> Principal:
    """The authenticated caller of an API request (``request.user``).

    The authentication classes set a Principal; the permission class lets nothing
    else through to a view's handler.
    """
    return cast(Principal, request.user)
