"""Scope checks (API.md 2.3): each view names the scope each action needs."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from teams.errors import InsufficientScopeError, MissingApiKeyError, NoTeamsError
from teams.principal import Principal

# An action with no entry in the view's ``required_scopes`` needs this scope by method.
DEFAULT_SCOPE_BY_METHOD = {"GET": "read", "HEAD": "read", "OPTIONS": "read"}
ANY_SCOPE = ""  # a valid credential is enough (e.g. listing one's own API keys)


def required_scope(request: Request, view: Any) -> str:
    scopes: dict[str, str] = getattr(view, "required_scopes", {})
    method = request.method or "GET"
    action = getattr(view, "action", None) or method.lower()
    if action in scopes:
        return scopes[action]
    return DEFAULT_SCOPE_BY_METHOD.get(method, "write")


class IsAuthenticated(BasePermission):
    """Authenticated, holding the action's scope, and acting as a team.

    Actions that may run before any team exists (team creation) are listed in the
    view's ``teamless_actions``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if not isinstance(principal, Principal):
            raise MissingApiKeyError()
        scope = required_scope(request, view)
        if scope and not principal.has_scope(scope):
            raise InsufficientScopeError(scope)
        if principal.team is None and getattr(view, "action", None) not in getattr(
            view, "teamless_actions", ()
        ):
            raise NoTeamsError()
        return True
