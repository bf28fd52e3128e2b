"""Prometheus metrics at /metrics (deployment guide, "Monitoring"; API.md 6 RECOMMEND c).

Request metrics live in the process-wide default registry, which other tests also
feed: assertions compare a sample before and after a request.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from psycopg_pool import PoolTimeout

from contracts.models import Acknowledgment, Proposal
from contracts.tests.factories import make_asset, make_contract, make_registration
from tessera import metrics
from tessera.db import availability
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

ASSET_ROUTE = "api/v1/assets/<str:asset_id>"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: Any) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


def requests_total(method: str, handler: str, status: str) -> float:
    labels = {"method": method, "handler": handler, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


def durations(method: str, handler: str) -> float:
    labels = {"method": method, "handler": handler}
    return (
        REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) or 0.0
    )


def make_proposal(asset: Any, status: str = "pending") -> Proposal:
    return Proposal.objects.create(
        asset=asset,
        proposed_schema={"type": "object"},
        change_type="major",
        breaking_changes=[],
        proposed_by=asset.owner_team_id,
        proposed_version="2.0.0",
        status=status,
    )


# --- The endpoint -----------------------------------------------------------------------


def test_metrics_are_served_without_credentials(api_client) -> None:
    response = api_client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    body = response.content.decode()
    assert "# TYPE http_requests_total counter" in body
    assert "# TYPE http_request_duration_seconds histogram" in body


def test_bad_credentials_do_not_matter(api_client) -> None:
    response = api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-a-key")

    assert response.status_code == 200


def test_head_is_answered_and_other_methods_are_405(api_client) -> None:
    assert api_client.head("/metrics").status_code == 200
    response = api_client.post("/metrics")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_the_view_opts_out_of_the_request_transaction() -> None:
    assert "default" in metrics.metrics_view._non_atomic_requests  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_the_scrape_runs_outside_a_transaction(api_client, monkeypatch) -> None:
    seen: list[bool] = []

    def counts() -> tuple[int, int]:
        seen.append(connection.in_atomic_block)
        return 0, 0

    monkeypatch.setattr(metrics, "workflow_counts", counts)

    api_client.get("/metrics")

    assert seen == [False]


def test_the_scrape_is_not_counted_in_the_request_metrics(api_client) -> None:
    scrape(api_client)
    samples = scrape(api_client)

    handlers = {
        dict(labels).get("handler")
        for name, labels in samples
        if name.startswith("http_request")
    }
    assert "metrics" not in handlers


def test_metrics_are_not_in_the_openapi_document() -> None:
    document = SchemaGenerator().get_schema(request=None, public=True)

    assert "/metrics" not in document["paths"]
    assert "/health" in document["paths"]


# --- Request metrics --------------------------------------------------------------------


def test_a_request_is_counted_and_timed_under_its_route_pattern(
    client_for, team
) -> None:
    asset = make_asset(team)
    client = client_for(team)
    before = requests_total("GET", ASSET_ROUTE, "200")
    timed_before = durations("GET", ASSET_ROUTE)

    assert client.get(f"/api/v1/assets/{asset.id}").status_code == 200

    assert requests_total("GET", ASSET_ROUTE, "200") == before + 1
    assert durations("GET", ASSET_ROUTE) == timed_before + 1
    samples = scrape(client)
    assert value(
        samples, "http_requests_total", method="GET", handler=ASSET_ROUTE, status="200"
    ) == (before + 1)
    buckets = {
        dict(labels)["le"]: count
        for (name, labels), count in samples.items()
        if name == "http_request_duration_seconds_bucket"
        and dict(labels)["handler"] == ASSET_ROUTE
        and dict(labels)["method"] == "GET"
    }
    assert {"0.005", "1.0", "10.0", "+Inf"} <= set(buckets)
    assert buckets["+Inf"] == timed_before + 1
    # Label values never carry ids.
    assert not any(str(asset.id) in str(labels) for _, labels in samples)


def test_a_404_on_a_known_route_keeps_the_route(client_for, team) -> None:
    client = client_for(team)
    before = requests_total("GET", ASSET_ROUTE, "404")

    assert client.get(f"/api/v1/assets/{uuid.uuid4()}").status_code == 404

    assert requests_total("GET", ASSET_ROUTE, "404") == before + 1


def test_an_unknown_path_is_labelled_unmatched(api_client) -> None:
    before = requests_total("GET", "unmatched", "404")

    assert api_client.get(f"/no/such/{uuid.uuid4()}").status_code == 404

    assert requests_total("GET", "unmatched", "404") == before + 1
    samples = scrape(api_client)
    assert not any("no/such" in str(labels) for _, labels in samples)


def test_an_unknown_method_is_labelled_other(api_client) -> None:
    before = requests_total("other", "health", "405")

    assert api_client.generic("BREW", "/health").status_code == 405

    assert requests_total("other", "health", "405") == before + 1


@pytest.mark.urls("tessera.tests.urls")
def test_an_unhandled_error_is_counted_as_500() -> None:
    before = requests_total("GET", "test/boom", "500")

    response = Client(raise_request_exception=False).get("/test/boom")

    assert response.status_code == 500
    assert requests_total("GET", "test/boom", "500") == before + 1


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("api/v1/assets/<str:asset_id>", "api/v1/assets/<str:asset_id>"),
        ("api/v1/teams$", "api/v1/teams"),
        ("api/v1/teams/(?P<team_id>[^/]+)$", "api/v1/teams/<team_id>"),
        (
            "api/v1/teams/(?P<team_id>[^/]+)/restore$",
            "api/v1/teams/<team_id>/restore",
        ),
    ],
)
def test_regex_routes_read_like_path_routes(route, label) -> None:
    assert metrics.route_label(route) == label


# --- Workflow and webhook gauges ---------------------------------------------------------


def test_the_workflow_gauges_count_pending_proposals_and_missing_answers(
    client_for, team, other_team, make_team
) -> None:
    third, outsider, lapsed, former = (make_team() for _ in range(4))
    asset = make_asset(team)
    old = make_contract(asset, "1.0.0", status="deprecated")
    current = make_contract(asset, "1.1.0")
    make_registration(current, other_team)
    make_registration(current, third)
    make_registration(current, lapsed, status="inactive")  # not required
    make_registration(old, former)  # an older contract: not required
    proposal = make_proposal(asset)
    # An answer from a team that is not required changes nothing.
    Acknowledgment.objects.create(
        proposal=proposal, consumer_team=outsider, response="approved"
    )
    # Another pending proposal, without consumers: nothing to wait for.
    make_proposal(make_asset(team))
    # Settled proposals are not counted.
    make_proposal(asset, status="approved")
    make_proposal(asset, status="withdrawn")
    client = client_for(other_team)

    samples = scrape(client)
    assert value(samples, "tessera_proposals_pending") == 2
    assert value(samples, "tessera_acknowledgments_pending") == 2

    response = client.post(
        f"/api/v1/proposals/{proposal.id}/acknowledge",
        {"consumer_team_id": str(other_team.id), "response": "approved"},
        format="json",
    )
    assert response.status_code in (200, 201), response.content

    samples = scrape(client)
    assert value(samples, "tessera_proposals_pending") == 2
    assert value(samples, "tessera_acknowledgments_pending") == 1


def test_the_workflow_gauges_are_zero_without_proposals(api_client) -> None:
    samples = scrape(api_client)

    assert value(samples, "tessera_proposals_pending") == 0
    assert value(samples, "tessera_acknowledgments_pending") == 0


def test_the_workflow_counts_take_one_query_whatever_the_rows(
    team, make_team, django_assert_num_queries
) -> None:
    for _ in range(3):
        asset = make_asset(team)
        contract = make_contract(asset)
        make_registration(contract, make_team())
        make_proposal(asset)

    with django_assert_num_queries(1):
        assert metrics.workflow_counts() == (3, 3)
    with django_assert_num_queries(1):
        metrics.delivery_counts()


def test_webhook_deliveries_are_counted_by_status(api_client) -> None:
    for status in ("pending", "pending", "delivered"):
        WebhookDelivery.objects.create(
            event_type="proposal.created",
            payload={},
            url="https://hooks.example/x",
            status=status,
        )

    samples = scrape(api_client)

    assert value(samples, "tessera_webhook_deliveries", status="pending") == 2
    assert value(samples, "tessera_webhook_deliveries", status="delivered") == 1
    assert value(samples, "tessera_webhook_deliveries", status="failed") == 0


# --- Failures never fail the scrape ------------------------------------------------------

DATABASE_SAMPLES = {
    "tessera_proposals_pending",
    "tessera_acknowledgments_pending",
    "tessera_webhook_deliveries",
}


def test_a_failing_collector_query_drops_only_its_samples(
    api_client, monkeypatch
) -> None:
    def fail() -> tuple[int, int]:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(metrics, "workflow_counts", fail)

    samples = scrape(api_client)  # asserts the 200

    assert DATABASE_SAMPLES & names(samples) == {"tessera_webhook_deliveries"}
    assert "http_requests_total" in names(samples)


def test_the_scrape_answers_while_the_database_is_down(api_client, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError('connection to server at "db-host" failed: refused')

    monkeypatch.setattr(connection, "cursor", refuse)
    monkeypatch.setattr(connection, "ensure_connection", refuse)

    samples = scrape(api_client)

    assert not DATABASE_SAMPLES & names(samples)
    assert "http_requests_total" in names(samples)


# --- The connection pool -----------------------------------------------------------------


class FakePool:
    closed = False

    def __init__(self, *, lends: bool = True) -> None:
        self.lends = lends

    def get_stats(self) -> dict[str, int]:
        return {
            "pool_min": 20,
            "pool_max": 30,
            "pool_size": 22,
            "pool_available": 5,
            "requests_waiting": 1,
            "requests_num": 40,
            "requests_wait_ms": 1500,
        }

    def open(self) -> None:
        pass

    def getconn(self, timeout: float | None = None) -> object:
        if not self.lends:
            raise PoolTimeout(f"couldn't get a connection after {timeout} sec")
        return object()

    def putconn(self, conn: object) -> None:
        pass


def test_pool_statistics_are_exported(api_client, monkeypatch) -> None:
    monkeypatch.setattr(metrics, "existing_pool", FakePool)

    samples = scrape(api_client)

    assert value(samples, "tessera_db_pool_size") == 22
    assert value(samples, "tessera_db_pool_available") == 5
    assert value(samples, "tessera_db_pool_max") == 30
    assert value(samples, "tessera_db_pool_requests_waiting") == 1
    assert value(samples, "tessera_db_pool_requests_total") == 40
    assert value(samples, "tessera_db_pool_requests_wait_seconds_total") == 1.5
    assert value(samples, "tessera_db_pool_requests_errors_total") == 0


def test_an_exhausted_pool_drops_the_database_samples_quickly(
    api_client, monkeypatch
) -> None:
    monkeypatch.setattr(metrics, "existing_pool", lambda: FakePool(lends=False))
    monkeypatch.setattr(availability, "holds_connection", lambda: False)

    samples = scrape(api_client)

    assert not DATABASE_SAMPLES & names(samples)
    assert value(samples, "tessera_db_pool_size") == 22


def test_without_a_pool_there_are_no_pool_samples(api_client, monkeypatch) -> None:
    monkeypatch.setattr(metrics, "existing_pool", lambda: None)

    samples = scrape(api_client)

    assert not any(name.startswith("tessera_db_pool_") for name in names(samples))
    assert "tessera_proposals_pending" in names(samples)


@pytest.mark.postgres
def test_the_real_psycopg_pool_is_exported(api_client) -> None:
    assert connection.settings_dict["OPTIONS"].get("pool")
    samples = scrape(api_client)

    assert (value(samples, "tessera_db_pool_max") or 0) >= 1
    assert (value(samples, "tessera_db_pool_size") or 0) >= 1


# --- Several processes ------------------------------------------------------------------


def test_multiprocess_mode_reads_the_shared_directory(
    api_client, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    assert metrics.scrape_registry() is not REGISTRY
    samples = scrape(api_client)

    # This process did not write to the (empty) directory; the gauges still come.
    assert "http_requests_total" not in names(samples)
    assert "tessera_proposals_pending" in names(samples)
