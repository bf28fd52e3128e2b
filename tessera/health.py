"""Health probes (API.md 6): never authenticated, never rate-limited, never in a transaction."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger("tessera.health")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "healthy"})


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@require_GET
@transaction.non_atomic_requests
def ready(request: HttpRequest) -> JsonResponse:
    """Ready when ``SELECT 1`` succeeds; 503 otherwise, so Kubernetes stops routing."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("Readiness check failed: %s", exc)
        # Raw driver errors can name hosts and users: show them in development only.
        detail = str(exc) if settings.IS_DEVELOPMENT else "database unavailable"
        return JsonResponse(
            {"status": "not_ready", "database": False, "error": detail}, status=503
        )
    return JsonResponse({"status": "ready", "database": True})
