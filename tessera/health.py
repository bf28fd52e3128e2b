"""Health probes (API.md 6): never authenticated, never rate-limited, never in a transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tessera.errors import ErrorCode, error_body

logger = logging.getLogger("tessera.health")

View = Callable[[HttpRequest], HttpResponse]


def probe(view: View) -> View:
    """GET (and HEAD) only, answering other methods with the 405 envelope.

    Probes run outside ATOMIC_REQUESTS: opening the request's transaction would take
    a database connection, so liveness would fail whenever the database is down.
    """

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            body = error_body(ErrorCode.BAD_REQUEST, "Method Not Allowed")
            return JsonResponse(body, status=405, headers={"Allow": "GET, HEAD"})
        return view(request)

    return csrf_exempt(transaction.non_atomic_requests(wrapper))


@probe
def health(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "healthy"})


@probe
def live(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "alive"})


@probe
def ready(request: HttpRequest) -> HttpResponse:
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
