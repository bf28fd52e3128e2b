"""Health probes (API.md 6): never authenticated, never rate-limited, never in a transaction.

The probes are plain Django views, invisible to drf-spectacular; the ``*Schema``
API views below only describe them in /openapi.json (``schema_endpoints()``, added by
``tessera.openapi.add_health_endpoints``) and are never routed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from tessera.db.availability import check_pool
from tessera.errors import ErrorCode, error_body

# A probe waits this long for a pooled connection, not the pool's DB_POOL_TIMEOUT.
READY_DB_TIMEOUT_SECONDS = 3.0

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
        check_pool(READY_DB_TIMEOUT_SECONDS)
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


# --- OpenAPI (documentation only) -------------------------------------------------------


def _status_body(status: str, **extra: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {"status": {"type": "string", "enum": [status]}}
    properties.update(extra)
    return {"type": "object", "properties": properties, "required": list(properties)}


class _ProbeSchema(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    probe: View

    def get(self, request: Request) -> HttpResponse:
        return type(self).probe(request._request)


class HealthSchema(_ProbeSchema):
    probe = staticmethod(health)

    @extend_schema(
        operation_id="health",
        tags=["health"],
        summary="Health check",
        description="Always `200` while the process serves requests. No credentials.",
        responses={200: OpenApiResponse(_status_body("healthy"), description="Up.")},
    )
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


class LiveSchema(_ProbeSchema):
    probe = staticmethod(live)

    @extend_schema(
        operation_id="health_live",
        tags=["health"],
        summary="Liveness probe",
        description="Always `200` while the process serves requests; does not touch "
        "the database. No credentials.",
        responses={200: OpenApiResponse(_status_body("alive"), description="Alive.")},
    )
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


class ReadySchema(_ProbeSchema):
    probe = staticmethod(ready)

    @extend_schema(
        operation_id="health_ready",
        tags=["health"],
        summary="Readiness probe",
        description="Runs `SELECT 1` against the database. No credentials.",
        responses={
            200: OpenApiResponse(
                _status_body("ready", database={"type": "boolean", "enum": [True]}),
                description="The database answers.",
            ),
            503: OpenApiResponse(
                _status_body(
                    "not_ready",
                    database={"type": "boolean", "enum": [False]},
                    error={
                        "type": "string",
                        "description": "The driver's error in development, "
                        "`database unavailable` otherwise.",
                    },
                ),
                description="The database does not answer.",
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


def schema_endpoints() -> list[tuple[str, str, str, Any]]:
    """The probes as drf-spectacular endpoints: (path, path regex, method, view)."""
    return [
        (f"/{route}", f"^{route}$", "GET", view.as_view())
        for route, view in (
            ("health", HealthSchema),
            ("health/live", LiveSchema),
            ("health/ready", ReadySchema),
        )
    ]
