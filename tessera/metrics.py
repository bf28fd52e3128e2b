"""Prometheus metrics at ``GET /metrics`` (deployment guide, "Monitoring").

* ``MetricsMiddleware`` counts and times every request, labelled by the matched route
  pattern (``api/v1/assets/<str:asset_id>``), never the raw path: ids in paths would
  make a new series per resource. Paths that match no route share ``unmatched``.
* ``DatabaseCollector`` runs when Prometheus scrapes: the psycopg pool's statistics
  (read from memory), pending proposals and acknowledgments, and webhook deliveries
  by status (two queries). A database error drops those samples, never the scrape.
* ``metrics_view`` serves the text exposition: no credentials, no rate limit, outside
  the request transaction, and not counted in its own request metrics.

``app="tessera"`` is not a label here: the scrape configuration adds it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from contracts.models import Acknowledgment, Proposal, Registration
from contracts.services.proposals import current_contract_id
from tessera.db.availability import check_pool, existing_pool
from tessera.errors import ErrorCode, error_body
from webhooks.models import WebhookDelivery

logger = logging.getLogger("tessera.metrics")

URL_NAME = "metrics"
UNMATCHED = "unmatched"
# Client-chosen methods would be unbounded label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# 5 ms to 10 s; 1 s is a bound, for the guide's "p95 > 1s" alert.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A scrape waits at most this long for a pooled connection before it drops the
# database samples (the pool's own timeout, DB_POOL_TIMEOUT, is 30 s by default).
SCRAPE_DB_TIMEOUT = 2.0
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests served, by method, route pattern and status code.",
    ["method", "handler", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to produce the response, by method and route pattern.",
    ["method", "handler"],
    buckets=BUCKETS,
)


# --- Requests ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def route_label(route: str) -> str:
    """A route pattern as a label: regex routes (DRF routers) lose their anchors, and
    their named groups read ``<name>``: ``api/v1/teams/(?P<team_id>[^/]+)$`` gives
    ``api/v1/teams/<team_id>``."""
    return _NAMED_GROUP.sub(r"<\1>", route).lstrip("^").rstrip("$")


def handler_label(request: HttpRequest) -> str | None:
    """The route pattern ``request`` matched, ``unmatched``, or None for /metrics."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name == "not-found" or not match.route:
        return UNMATCHED
    if match.url_name == URL_NAME:
        return None
    return route_label(str(match.route))


class MetricsMiddleware:
    """Record ``http_requests_total`` and ``http_request_duration_seconds``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        status = "500"  # if the handler raises past Django's exception conversion
        try:
            response = self.get_response(request)
            status = str(response.status_code)
            return response
        finally:
            handler = handler_label(request)
            if handler is not None:
                method = request.method if request.method in METHODS else "other"
                REQUESTS.labels(method, handler, status).inc()
                DURATION.labels(method, handler).observe(time.perf_counter() - start)


# --- Scrape-time database metrics -------------------------------------------------------

# psycopg_pool's get_stats() keys: (key, metric name, help), plus a unit scale for the
# counters. Counters appear in get_stats() only once non-zero.
POOL_GAUGES = (
    ("pool_min", "tessera_db_pool_min", "Connections the pool keeps open."),
    ("pool_max", "tessera_db_pool_max", "Connections the pool may open."),
    ("pool_size", "tessera_db_pool_size", "Connections open, in use or idle."),
    ("pool_available", "tessera_db_pool_available", "Idle connections in the pool."),
    (
        "requests_waiting",
        "tessera_db_pool_requests_waiting",
        "Requests waiting for a connection.",
    ),
)
POOL_COUNTERS = (
    ("requests_num", "tessera_db_pool_requests", "Connections requested.", 1),
    (
        "requests_errors",
        "tessera_db_pool_requests_errors",
        "Connection requests that failed (timeout, pool closed).",
        1,
    ),
    (
        "requests_wait_ms",
        "tessera_db_pool_requests_wait_seconds",
        "Time spent waiting for a connection.",
        0.001,
    ),
    (
        "connections_errors",
        "tessera_db_pool_connections_errors",
        "Failed attempts to open a connection.",
        1,
    ),
    (
        "connections_lost",
        "tessera_db_pool_connections_lost",
        "Connections found broken and discarded.",
        1,
    ),
)


def workflow_counts() -> tuple[int, int]:
    """Pending proposals, and the acknowledgments they still need (one query).

    A proposal needs one acknowledgment per team with an active registration on its
    asset's current contract (WORKFLOWS.md 5.3); answers from other teams count for
    nothing.
    """
    answered = Acknowledgment.objects.filter(
        proposal_id=OuterRef(OuterRef("pk")),
        consumer_team_id=OuterRef("consumer_team_id"),
    )
    unanswered = (
        Registration.objects.filter(
            contract_id=current_contract_id(OuterRef(OuterRef("asset_id"))),
            status=Registration.Status.ACTIVE,
        )
        .filter(~Exists(answered))
        .order_by()
        .values("contract_id")
        .annotate(count=Count("consumer_team_id", distinct=True))
        .values("count")
    )
    totals = (
        Proposal.objects.filter(status=Proposal.Status.PENDING)
        .annotate(
            unanswered=Coalesce(Subquery(unanswered, output_field=IntegerField()), 0)
        )
        .aggregate(proposals=Count("id"), acknowledgments=Sum("unanswered"))
    )
    return totals["proposals"], totals["acknowledgments"] or 0


def delivery_counts() -> dict[str, int]:
    """Webhook deliveries by status, every status present (one query)."""
    counts = dict.fromkeys(WebhookDelivery.Status.values, 0)
    rows = (
        WebhookDelivery.objects.order_by()
        .values_list("status")
        .annotate(count=Count("id"))
    )
    for status, count in rows:
        counts[status] = count
    return counts


def workflow_metrics() -> list[Metric]:
    proposals, acknowledgments = workflow_counts()
    return [
        GaugeMetricFamily(
            "tessera_proposals_pending",
            "Proposals waiting for acknowledgments.",
            proposals,
        ),
        GaugeMetricFamily(
            "tessera_acknowledgments_pending",
            "Acknowledgments pending proposals still need from their required teams.",
            acknowledgments,
        ),
    ]


def delivery_metrics() -> list[Metric]:
    family = GaugeMetricFamily(
        "tessera_webhook_deliveries", "Webhook deliveries by status.", labels=["status"]
    )
    for status, count in delivery_counts().items():
        family.add_metric([status], count)
    return [family]


class DatabaseCollector(Collector):
    """Pool statistics and workflow counts, computed at scrape time."""

    def describe(self) -> Iterable[Metric]:
        # Without describe(), registering would run collect(), and its queries.
        return []

    def collect(self) -> Iterator[Metric]:
        pool = existing_pool()
        if pool is not None:
            yield from self._pool_metrics(pool)
        try:
            check_pool(SCRAPE_DB_TIMEOUT, pool)
        except Exception as exc:
            logger.debug("Skipping the database metrics: %s", exc)
            return
        for build in (workflow_metrics, delivery_metrics):
            try:
                families = build()
            except Exception as exc:
                logger.debug("Skipping %s: %s", build.__name__, exc)
                continue
            yield from families

    @staticmethod
    def _pool_metrics(pool: Any) -> Iterator[Metric]:
        try:
            stats = pool.get_stats()
        except Exception as exc:
            logger.debug("Skipping the pool metrics: %s", exc)
            return
        for key, name, documentation in POOL_GAUGES:
            yield GaugeMetricFamily(name, documentation, stats.get(key, 0))
        for key, name, documentation, scale in POOL_COUNTERS:
            yield CounterMetricFamily(name, documentation, stats.get(key, 0) * scale)


DATABASE_COLLECTOR = DatabaseCollector()
REGISTRY.register(DATABASE_COLLECTOR)


# --- The endpoint -----------------------------------------------------------------------


def scrape_registry() -> CollectorRegistry:
    """The default registry; with ``PROMETHEUS_MULTIPROC_DIR``, every worker's files.

    gunicorn with WEB_CONCURRENCY > 1 runs several processes, each with its own
    counters: ``MultiProcessCollector`` sums the files they write to that directory.
    """
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry)
    registry.register(DATABASE_COLLECTOR)
    return registry


# As ``tessera.health.probe``, which this module does not import: it loads DRF's views,
# and the middleware must not change the order in which the project imports them.
@csrf_exempt
@transaction.non_atomic_requests
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition (GET and HEAD; no credentials)."""
    if request.method not in ("GET", "HEAD"):
        body = error_body(ErrorCode.BAD_REQUEST, "Method Not Allowed")
        return JsonResponse(body, status=405, headers={"Allow": "GET, HEAD"})
    return HttpResponse(
        generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST
    )
