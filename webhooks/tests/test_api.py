"""GET /api/v1/webhooks/deliveries and /webhooks/deliveries/{id} (API.md 5.9)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db
LIST = "/api/v1/webhooks/deliveries"


def make_delivery(
    event_type: str = "proposal.created", status: str = "pending", **fields
) -> WebhookDelivery:  # type: ignore[no-untyped-def]
    envelope = {
        "event": event_type,
        "timestamp": "2026-01-02T03:04:05.000000Z",
        "payload": {"k": 1},
    }
    return WebhookDelivery.objects.create(
        event_type=event_type,
        payload=envelope,
        url="https://hooks.example.com/t",
        status=status,
        **fields,
    )


def test_a_delivery_has_the_fields_of_the_spec(admin_client):
    now = timezone.now()
    delivery = make_delivery(
        status="failed",
        attempts=3,
        last_attempt_at=now,
        last_error="boom",
        last_status_code=500,
        body='{"secret":"not shown"}',
    )

    response = admin_client.get(f"{LIST}/{delivery.id}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "event_type",
        "payload",
        "url",
        "status",
        "attempts",
        "last_attempt_at",
        "last_error",
        "last_status_code",
        "created_at",
        "delivered_at",
    }
    assert body["id"] == str(delivery.id)
    assert body["payload"] == delivery.payload
    assert (
        body["status"],
        body["attempts"],
        body["last_error"],
        body["last_status_code"],
    ) == (
        "failed",
        3,
        "boom",
        500,
    )
    assert body["delivered_at"] is None


def test_the_list_is_newest_first_with_results_and_total_only(admin_client):
    now = timezone.now()
    old = make_delivery(created_at=now - timedelta(minutes=5))
    new = make_delivery(created_at=now)

    response = admin_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "total"}
    assert body["total"] == 2
    assert [d["id"] for d in body["results"]] == [str(new.id), str(old.id)]


def test_equal_timestamps_are_ordered_by_id(admin_client):
    now = timezone.now()
    deliveries = [make_delivery(created_at=now) for _ in range(3)]

    results = admin_client.get(LIST).json()["results"]

    assert [d["id"] for d in results] == sorted(
        (str(d.id) for d in deliveries), reverse=True
    )


def test_the_list_filters_by_status_and_event_type(admin_client):
    make_delivery("proposal.created", "failed")
    wanted = make_delivery("contract.published", "failed")
    make_delivery("contract.published", "delivered")

    body = admin_client.get(
        LIST, {"status": "failed", "event_type": "contract.published"}
    ).json()

    assert body["total"] == 1
    assert body["results"][0]["id"] == str(wanted.id)


def test_an_unknown_status_is_a_422(admin_client):
    response = admin_client.get(LIST, {"status": "lost"})

    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["query", "status"]
    assert item["type"] == "enum"
    assert item["msg"] == "Input should be 'pending', 'delivered' or 'failed'"


def test_paging_uses_fixed_bounds(admin_client, settings):
    settings.PAGINATION_LIMIT_MAX = 5  # ignored by this endpoint (API.md 4.1)
    for _ in range(3):
        make_delivery()

    body = admin_client.get(LIST, {"limit": 2, "offset": 1}).json()

    assert body["total"] == 3
    assert len(body["results"]) == 2
    assert admin_client.get(LIST, {"limit": 100}).status_code == 200
    assert admin_client.get(LIST, {"limit": 101}).status_code == 422
    assert admin_client.get(LIST, {"limit": 0}).status_code == 422
    assert admin_client.get(LIST, {"offset": -1}).status_code == 422


def test_the_default_page_is_50(admin_client):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event_type="e", payload={}, url="https://x.example")
        for _ in range(51)
    )

    body = admin_client.get(LIST).json()

    assert body["total"] == 51
    assert len(body["results"]) == 50


def test_the_list_takes_a_constant_number_of_queries(
    admin_client, django_assert_num_queries
):
    for _ in range(5):
        make_delivery()
    admin_client.get(LIST)  # warm up the key's last_used_at write

    # Savepoint, API key lookup, count, page, release (the request's transaction).
    with django_assert_num_queries(5):
        assert admin_client.get(LIST).status_code == 200


def test_an_unknown_delivery_is_a_404(admin_client):
    missing = uuid.uuid4()

    response = admin_client.get(f"{LIST}/{missing}")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "NOT_FOUND"
    assert error["message"] == f"Webhook delivery with ID '{missing}' not found"


def test_a_malformed_id_is_a_422(admin_client):
    response = admin_client.get(f"{LIST}/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "uuid_parsing"
    assert response.json()["detail"][0]["loc"] == ["path", "delivery_id"]


@pytest.mark.parametrize("path", [LIST, f"{LIST}/{uuid.UUID(int=1)}"])
def test_deliveries_need_the_admin_scope(writer_client, api_client, path):
    assert writer_client.get(path).status_code == 403
    assert writer_client.get(path).json()["error"]["code"] == "INSUFFICIENT_SCOPE"
    assert api_client.get(path).status_code == 401
