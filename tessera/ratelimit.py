"""Rate limits per endpoint and per client (WORKFLOWS.md 15, API.md 3.4).

``RateLimitThrottle`` is DRF's only throttle (``DEFAULT_THROTTLE_CLASSES``), so every
API view is limited and nothing else is: the health probes and ``/metrics`` are plain
Django views. DRF runs throttles after authentication and permissions, so 401 and 403
answers are not counted.

* **Category** (API.md 5.0, column "Rate"): a view's ``rate_categories`` by action (or
  by lower-case method on an ``APIView``, like ``required_scopes``), else its
  ``rate_category``; else ``global`` for a view anyone may call (no
  ``IsAuthenticated``: schema validation, the docs); else ``read`` for GET, HEAD and
  OPTIONS and ``write`` for the other methods. The category picks the limits in
  ``settings.RATE_LIMITS``; all of them apply.
* **Bucket**: the route (its URL name) and method, so each endpoint has its own
  counters; PUT shares PATCH's bucket (API.md 5.0, row 4) and HEAD shares GET's. And
  the client: the stored API key's id, one bucket for the bootstrap key, one for
  ``AUTH_DISABLED``, one per staff user, and the client IP (``REMOTE_ADDR``) for
  anonymous callers. Never a prefix of the token: every issued key starts with
  ``tess_live_``, which made all keys share one bucket in the reference.
* **Fixed windows** aligned on the epoch (a minute limit resets at each full minute,
  UTC). One counter per bucket, limit and window, in the default cache: Redis when
  ``REDIS_URL`` is set, so replicas share the counters, and process memory otherwise.
  ``add`` then ``incr`` is atomic on Redis. A cache that fails lets the request through:
  an outage of the counters must not become an outage of the API.
* **Exceeding** a limit raises ``RateLimitExceeded``; the exception handler
  (``tessera.errors``) answers 429 with the limit and ``Retry-After``, the seconds until
  the window resets.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from teams.permissions import IsAuthenticated
from teams.principal import Principal, PrincipalKind

logger = logging.getLogger("tessera.ratelimit")

CACHE_PREFIX = "ratelimit"
# Counters outlive their window by this much, so clock skew between replicas never
# finds an expired counter for a window still open on another replica.
EXPIRY_MARGIN_SECONDS = 5
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_ENDPOINT = {"PUT": "PATCH", "HEAD": "GET"}
UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


class RateLimitExceeded(Throttled):
    """A limit of the request's category is exhausted; ``wait`` is Retry-After."""

    def __init__(self, limit: str, wait: int) -> None:
        super().__init__(wait=wait)
        self.limit = limit


def describe(count: int, seconds: int) -> str:
    """The limit as the 429 body states it: ``100 per 1 minute`` (API.md 3.4)."""
    unit, size = next((u, s) for u, s in UNITS if seconds % s == 0)
    return f"{count} per {seconds // size} {unit}"


def category_of(request: Request, view: Any) -> str:
    method = (request.method or "GET").upper()
    action = getattr(view, "action", None) or method.lower()
    by_action: dict[str, str] = getattr(view, "rate_categories", {})
    if action in by_action:
        return by_action[action]
    declared: str | None = getattr(view, "rate_category", None)
    if declared:
        return declared
    if not any(
        isinstance(permission, type) and issubclass(permission, IsAuthenticated)
        for permission in getattr(view, "permission_classes", ())
    ):
        return "global"
    return "read" if method in READ_METHODS else "write"


def client_of(request: Request) -> str:
    """Whose counters: the credential's identity, else the client address."""
    principal = request.user
    if isinstance(principal, Principal):
        if principal.api_key is not None:
            return f"key:{principal.api_key.pk}"
        if principal.kind == PrincipalKind.STAFF:
            return principal.label  # "staff:<username>"
        return principal.kind.value  # "bootstrap", "auth_disabled": one bucket each
    # X-Forwarded-For is not trusted: any client could set it to dodge its limit.
    return f"ip:{request.META.get('REMOTE_ADDR') or 'unknown'}"


def endpoint_of(request: Request, view: Any) -> str:
    method = (request.method or "GET").upper()
    match = getattr(request, "resolver_match", None)
    route = (match and (match.url_name or match.route)) or type(view).__qualname__
    return f"{route}:{SAME_ENDPOINT.get(method, method)}"


def is_routed(request: Request, view: Any) -> bool:
    """A method the view does not serve is a 405, not a request of an endpoint."""
    method = (request.method or "").lower()
    return method in view.http_method_names and hasattr(view, method)


def hit(bucket: str, count: int, seconds: int, now: float) -> tuple[int | None, float]:
    """Count one request in ``bucket``'s current window: (requests so far, reset time).

    The count is None when the cache could not be used.
    """
    window = int(now // seconds)
    reset = (window + 1) * seconds
    key = f"{CACHE_PREFIX}:{bucket}:{count}/{seconds}:{window}"
    cache = caches["default"]
    try:
        # add() is a no-op when the counter exists; incr() is atomic (INCR on Redis).
        added = cache.add(
            key, 0, timeout=math.ceil(reset - now) + EXPIRY_MARGIN_SECONDS
        )
        # django-redis answers None instead of raising when it ignores a Redis
        # outage: skip incr(), which would wait for the connect timeout again.
        hits = None if added is None else cache.incr(key)
    except Exception:
        logger.warning(
            "Rate limit counter unavailable; request let through", exc_info=True
        )
        return None, reset
    return (hits if isinstance(hits, int) else None), reset


class RateLimitThrottle(BaseThrottle):
    """Apply the limits of the request's category to its endpoint and client."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if not settings.RATE_LIMIT_ENABLED or not is_routed(request, view):
            return True
        limits: list[tuple[int, int]] = settings.RATE_LIMITS[category_of(request, view)]
        bucket = f"{endpoint_of(request, view)}:{client_of(request)}"
        now = time.time()
        # In order, stopping at the first limit exceeded, as the reference does: a
        # refused request does not count against the limits after it.
        for count, seconds in limits:
            hits, reset = hit(bucket, count, seconds, now)
            if hits is None:
                return True
            if hits > count:
                wait = max(1, math.ceil(reset - now))
                raise RateLimitExceeded(describe(count, seconds), wait)
        return True
