"""Concurrent publishes and acknowledgments through the real HTTP stack (PostgreSQL).

Each thread has its own API client, hence its own database connection and request
transaction, so these tests exercise the row locks the services take: the asset
lock while publishing and the proposal lock while acknowledging.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from audit.models import Event
from contracts.models import Acknowledgment, Contract, Proposal
from contracts.services import publishing
from contracts.tests.factories import make_asset, make_contract, make_registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20
SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}


def run_in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, all released at once; return their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # surfaced in the test thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def clients(make_key: Callable[..., Any], team: Any, count: int) -> list[APIClient]:
    made = []
    for _ in range(count):
        _, raw = make_key(team)
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=raw)
        made.append(client)
    return made


def publisher(
    client: APIClient, asset: Any, team: Any, version: str
) -> Callable[[], Any]:
    url = f"/api/v1/assets/{asset.id}/contracts?published_by={team.id}"
    return lambda: client.post(
        url, {"version": version, "schema": SCHEMA}, format="json"
    )


def test_concurrent_publishes_of_distinct_versions_leave_one_active_contract(
    team, make_key
):
    asset = make_asset(team)
    calls = [
        publisher(client, asset, team, f"1.0.{index}")
        for index, client in enumerate(clients(make_key, team, THREADS))
    ]

    responses = run_in_threads(calls)

    assert sorted(response.status_code for response in responses) == [201] * THREADS
    assert Contract.objects.filter(asset=asset).count() == THREADS
    assert Contract.objects.filter(asset=asset, status="active").count() == 1
    # Each publish deprecated the one before it: one first publish, the rest diffs.
    actions = sorted("change_type" in response.json() for response in responses)
    assert actions == [False] + [True] * (THREADS - 1)
    assert Event.objects.filter(action="contract.published").count() == THREADS


def test_concurrent_publishes_of_one_version_create_it_once(team, make_key):
    asset = make_asset(team)
    make_contract(asset, "0.9.0", SCHEMA)
    calls = [
        publisher(client, asset, team, "1.0.0")
        for client in clients(make_key, team, THREADS)
    ]

    responses = run_in_threads(calls)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (THREADS - 1)
    conflicts = [
        response.json()["error"]
        for response in responses
        if response.status_code == 409
    ]
    assert {(error["code"], error["message"]) for error in conflicts} == {
        (
            "DUPLICATE_CONTRACT_VERSION",
            "Contract version '1.0.0' already exists for this asset",
        )
    }
    assert list(
        Contract.objects.filter(asset=asset, version="1.0.0").values_list(
            "status", flat=True
        )
    ) == ["active"]
    assert Contract.objects.get(asset=asset, version="0.9.0").status == "deprecated"
    assert Event.objects.filter(action="contract.published").count() == 1


def test_concurrent_acknowledgments_are_all_kept_and_approve_once(
    team, make_team, make_key
):
    asset = make_asset(team)
    contract = make_contract(asset, "1.0.0", SCHEMA)
    consumers = [make_team(f"Consumer {index}") for index in range(10)]
    for consumer in consumers:
        make_registration(contract, consumer)
    proposal = Proposal.objects.create(
        asset=asset,
        proposed_schema={},
        change_type="major",
        proposed_by=team.id,
        proposed_version="2.0.0",
    )

    def acknowledger(consumer: Any) -> Callable[[], Any]:
        [client] = clients(make_key, consumer, 1)
        return lambda: client.post(
            f"/api/v1/proposals/{proposal.id}/acknowledge",
            {"consumer_team_id": str(consumer.id), "response": "approved"},
            format="json",
        )

    responses = run_in_threads([acknowledger(consumer) for consumer in consumers])

    assert [response.status_code for response in responses] == [201] * len(consumers)
    assert Acknowledgment.objects.filter(proposal=proposal).count() == len(consumers)
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert (
        Event.objects.filter(action="proposal.approved", entity_id=proposal.id).count()
        == 1
    )
    assert Event.objects.filter(
        action="proposal.acknowledged", entity_id=proposal.id
    ).count() == len(consumers)


def test_concurrent_repeats_of_one_acknowledgment_record_it_once(
    team, other_team, make_team, make_key
):
    asset = make_asset(team)
    contract = make_contract(asset, "1.0.0", SCHEMA)
    make_registration(contract, other_team)
    make_registration(contract, make_team("Finance"))  # keeps the proposal pending
    proposal = Proposal.objects.create(
        asset=asset, proposed_schema={}, change_type="major", proposed_by=team.id
    )
    calls = [
        (
            lambda client=client: client.post(
                f"/api/v1/proposals/{proposal.id}/acknowledge",
                {"consumer_team_id": str(other_team.id), "response": "approved"},
                format="json",
            )
        )
        for client in clients(make_key, other_team, 8)
    ]

    responses = run_in_threads(calls)

    assert sorted(response.status_code for response in responses) == [201] + [400] * 7
    assert Acknowledgment.objects.filter(proposal=proposal).count() == 1


def test_a_failing_publish_leaves_no_partial_rows(team, make_key, monkeypatch):
    asset = make_asset(team)
    current = make_contract(asset, "1.0.0", SCHEMA)
    [client] = clients(make_key, team, 1)
    client.raise_request_exception = False

    def explode(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    # Fails after the contract insert and the deprecation.
    monkeypatch.setattr(publishing, "record_event", explode)

    response = publisher(client, asset, team, "1.1.0")()

    assert response.status_code == 500
    assert list(Contract.objects.filter(asset=asset)) == [current]
    current.refresh_from_db()
    assert current.status == "active"
