"""API key authentication: ``X-API-Key`` or ``Authorization: Bearer`` (API.md 2.1)."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from teams import keys
from teams.errors import InvalidApiKeyError, InvalidAuthHeaderError
from teams.models import ApiKey
from teams.principal import Principal, PrincipalKind


def credential_from(request: Request) -> str | None:
    """Return the presented token; ``Authorization`` wins over ``X-API-Key`` (EXT-1)."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is not None:
        if not header.startswith("Bearer "):
            raise InvalidAuthHeaderError()
        return header[len("Bearer ") :]
    return request.META.get("HTTP_X_API_KEY") or None


def authenticate_token(token: str) -> Principal:
    """Resolve a token: bootstrap key, then stored keys; raise if neither matches."""
    bootstrap = settings.BOOTSTRAP_API_KEY
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return Principal.full_access(PrincipalKind.BOOTSTRAP, "bootstrap key")
    key = find_key(token)
    if key is None:
        raise InvalidApiKeyError()
    touch_last_used(key)
    return Principal.for_api_key(key)


def find_key(token: str) -> ApiKey | None:
    usable = ApiKey.objects.usable().select_related("team")
    # One indexed lookup by digest; keys are random, so the digest cannot be steered.
    key = usable.filter(key_hash=keys.digest(token)).first()
    if key is not None:
        return key if keys.verify(token, key.key_hash) else None
    prefix = keys.key_prefix(token)
    if prefix is None:
        return None
    # Keys imported from the reference carry argon2 hashes: verify those by prefix.
    for candidate in usable.filter(
        key_prefix=prefix, key_hash__startswith=keys.ARGON2_MARKER
    ):
        if keys.verify(token, candidate.key_hash):
            return candidate
    return None


def touch_last_used(key: ApiKey) -> None:
    """Record use at most once per resolution window, not a write on every request."""
    now = timezone.now()
    resolution = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if key.last_used_at is not None and now - key.last_used_at < resolution:
        return
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - resolution), pk=key.pk
    ).update(last_used_at=now)
    key.last_used_at = now


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Principal, None] | None:
        if settings.AUTH_DISABLED:
            # Credentials are not examined at all, even malformed ones (API.md 2.2).
            return Principal.full_access(
                PrincipalKind.AUTH_DISABLED, "auth disabled"
            ), None
        token = credential_from(request)
        if token is None:
            return None
        return authenticate_token(token), None

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class StaffSessionAuthentication(SessionAuthentication):
    """A staff user logged into the admin may use the browsable API as an admin."""

    def authenticate(self, request: Request) -> tuple[Principal, None] | None:
        result: Any = super().authenticate(request)
        if result is None or not result[0].is_staff:
            return None
        return Principal.full_access(
            PrincipalKind.STAFF, f"staff:{result[0].get_username()}"
        ), None


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describe API-key authentication in /openapi.json: X-API-Key or a bearer token."""

    target_class = ApiKeyAuthentication
    name = ["ApiKeyHeader", "BearerAuth"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[str]]]:
        return [{"ApiKeyHeader": []}, {"BearerAuth": []}]  # either one, not both

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return [
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            {"type": "http", "scheme": "bearer"},
        ]


class StaffSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = StaffSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
