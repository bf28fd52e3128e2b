"""Deliveries from the row onwards: queueing, attempts, retries, the sweeper, redelivery."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import Event
from teams.principal import Principal
from webhooks import services
from webhooks.errors import DeliveryNotFailedError, DeliveryNotFoundError
from webhooks.models import WebhookDelivery
from webhooks.signing import sign, verify
from webhooks.tests.conftest import SECRET, deliver_all, ready_tasks, run_ready_tasks
from webhooks.tests.receivers import always, fail_first

pytestmark = pytest.mark.django_db
ACTOR = Principal.system("tests")


def queue(event_type: str = "proposal.withdrawn", **payload: object) -> WebhookDelivery:
    delivery = services.queue_event(
        event_type, payload or {"proposal_id": str(uuid.uuid4())}
    )
    assert delivery is not None
    return delivery


def refreshed(delivery: WebhookDelivery) -> WebhookDelivery:
    delivery.refresh_from_db()
    return delivery


# --- Queueing -----------------------------------------------------------------------


def test_without_a_webhook_url_nothing_is_recorded():
    assert services.queue_event("proposal.withdrawn", {"proposal_id": "x"}) is None
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_an_event_is_a_pending_row_and_a_task_and_nothing_is_sent(
    webhook_settings, receiver
):
    delivery = services.queue_event(
        "proposal.withdrawn", {"proposal_id": uuid.UUID(int=7)}
    )

    delivery = refreshed(delivery)
    assert delivery.status == "pending"
    assert delivery.attempts == 0
    assert delivery.url == receiver.url
    assert delivery.event_type == "proposal.withdrawn"
    assert delivery.payload["event"] == "proposal.withdrawn"
    assert delivery.payload["payload"] == {"proposal_id": str(uuid.UUID(int=7))}
    assert delivery.payload["timestamp"].endswith("Z")
    assert json.loads(delivery.body) == delivery.payload
    assert delivery.body.startswith('{"event":"proposal.withdrawn","timestamp":')
    [task] = DBTaskResult.objects.all()
    assert task.id == delivery.task_id
    assert task.status == TaskResultStatus.READY
    assert task.queue_name == "webhooks"
    assert task.args_kwargs == {"args": [str(delivery.id)], "kwargs": {}}
    assert receiver.requests == []


def test_a_rolled_back_change_leaves_no_delivery_and_no_task(webhook_settings):
    def change_that_fails() -> None:
        with transaction.atomic():
            queue()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        change_that_fails()

    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()


# --- Attempts -----------------------------------------------------------------------


def test_a_delivery_is_posted_signed_and_marked_delivered(webhook_settings, receiver):
    delivery = queue()

    assert run_ready_tasks() == 1

    delivery = refreshed(delivery)
    assert delivery.status == "delivered"
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.last_error is None
    assert delivery.delivered_at is not None
    assert delivery.last_attempt_at is not None
    assert delivery.locked_until is None
    [request] = receiver.requests
    assert request.body == delivery.body.encode()
    assert verify(request.body, SECRET, request.header("X-Tessera-Signature"))
    assert request.header("X-Tessera-Signature") == sign(request.body, SECRET)
    assert request.header("X-Tessera-Delivery") == str(delivery.id)
    assert request.header("X-Tessera-Attempt") == "1"
    assert request.header("X-Tessera-Event") == "proposal.withdrawn"
    assert request.header("X-Tessera-Timestamp") == delivery.payload[
        "timestamp"
    ].replace("Z", "+00:00")
    assert request.header("Content-Type") == "application/json"


def test_without_a_secret_there_is_no_signature(webhook_settings, receiver):
    webhook_settings.WEBHOOK_SECRET = ""
    queue()

    run_ready_tasks()

    assert receiver.requests[0].header("X-Tessera-Signature") is None


def test_failed_attempts_are_retried_with_growing_delays_until_one_succeeds(
    webhook_settings, receiver
):
    webhook_settings.WEBHOOK_BACKOFF_SECONDS = 0.05
    receiver.script = fail_first(2)
    delivery = queue()

    deliver_all()

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        3,
        200,
    )
    assert delivery.last_error is None
    requests = receiver.requests
    assert [r.header("X-Tessera-Attempt") for r in requests] == ["1", "2", "3"]
    assert {r.header("X-Tessera-Delivery") for r in requests} == {str(delivery.id)}
    assert len({r.body for r in requests}) == 1  # byte-identical retries
    assert all(
        verify(r.body, SECRET, r.header("X-Tessera-Signature")) for r in requests
    )
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(requests)]
    assert gaps[0] >= 0.05
    assert gaps[1] >= 0.1


def test_a_failed_attempt_schedules_the_next_task_after_the_backoff(
    webhook_settings, receiver
):
    webhook_settings.WEBHOOK_BACKOFF_SECONDS = 10
    receiver.script = always(503)
    delivery = queue()
    before = timezone.now()

    run_ready_tasks()

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "pending",
        1,
        503,
    )
    assert delivery.last_error == "HTTP 503 Service Unavailable"
    assert (
        before + timedelta(seconds=10)
        <= delivery.next_attempt_at
        <= timezone.now() + timedelta(seconds=15)
    )
    retry = DBTaskResult.objects.get(pk=delivery.task_id)
    assert retry.status == TaskResultStatus.READY
    assert retry.run_after == delivery.next_attempt_at
    assert ready_tasks() == [retry]
    assert run_ready_tasks() == 0  # not due yet


def test_after_the_last_attempt_the_delivery_fails_with_the_error_and_status(
    webhook_settings, receiver
):
    receiver.script = always(500, b"x" * 5000)
    delivery = queue()

    deliver_all()

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "failed",
        3,
        500,
    )
    assert delivery.last_error == "x" * 500
    assert delivery.delivered_at is None
    assert len(receiver.requests) == 3
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_the_number_of_attempts_follows_the_setting(webhook_settings, receiver):
    webhook_settings.WEBHOOK_MAX_ATTEMPTS = 5
    receiver.script = always(500)
    queue()

    deliver_all()

    assert WebhookDelivery.objects.get().attempts == 5
    assert len(receiver.requests) == 5


def test_a_timed_out_attempt_is_a_failure(webhook_settings, receiver):
    webhook_settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    webhook_settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.script = lambda number, request: receiver.release.wait(5) and None
    delivery = queue()

    run_ready_tasks()

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.last_status_code) == ("failed", None)
    assert delivery.last_error == "Timed out after 0.2 s"


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(webhook_settings, receiver):
    webhook_settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.script = always(301, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
    delivery = queue()

    run_ready_tasks()

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.last_status_code) == ("failed", 301)
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_refused_destination_fails_at_once_with_a_clear_error(
    webhook_settings, receiver
):
    webhook_settings.WEBHOOK_ALLOWED_HOSTS = []
    delivery = queue()

    run_ready_tasks()

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "failed",
        1,
        None,
    )
    assert delivery.last_error.startswith(
        "Refused to deliver to 127.0.0.1: it resolves to 127.0.0.1, a loopback"
    )
    assert "WEBHOOK_ALLOWED_HOSTS" in delivery.last_error
    assert receiver.requests == []


def test_the_development_default_delivers_to_loopback(webhook_settings, receiver):
    webhook_settings.WEBHOOK_ALLOWED_HOSTS = []
    webhook_settings.WEBHOOK_ALLOW_LOOPBACK = True
    queue()

    run_ready_tasks()

    assert WebhookDelivery.objects.get().status == "delivered"


# --- One worker at a time -----------------------------------------------------------


def test_a_leased_delivery_cannot_be_claimed_again(webhook_settings):
    delivery = queue()

    first = services.claim_delivery(delivery.id)
    second = services.claim_delivery(delivery.id)

    assert first is not None
    assert second is None
    assert refreshed(delivery).attempts == 1
    assert first.locked_until > timezone.now() + timedelta(
        seconds=webhook_settings.WEBHOOK_TIMEOUT_SECONDS
    )


def test_an_expired_lease_can_be_claimed(webhook_settings):
    delivery = queue()
    services.claim_delivery(delivery.id)
    later = timezone.now() + services.lease_duration() + timedelta(seconds=1)

    again = services.claim_delivery(delivery.id, now=later)

    assert again is not None
    assert again.attempts == 2


def test_a_delivery_not_yet_due_is_not_claimed(webhook_settings):
    delivery = queue()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=1)
    )

    assert services.claim_delivery(delivery.id) is None


def test_a_duplicate_task_for_a_finished_delivery_does_nothing(
    webhook_settings, receiver
):
    delivery = queue()
    run_ready_tasks()

    assert services.attempt_delivery(delivery.id) == "skipped"
    assert len(receiver.requests) == 1


def test_an_outcome_is_dropped_when_another_worker_took_over_the_lease(
    webhook_settings,
):
    delivery = queue()
    stale = services.claim_delivery(delivery.id)
    later = timezone.now() + services.lease_duration() + timedelta(seconds=1)
    services.claim_delivery(delivery.id, now=later)

    from webhooks.delivery import AttemptResult

    assert services.record_attempt(stale, AttemptResult(True, 200)) == "lost"
    assert refreshed(delivery).status == "pending"


# --- The sweeper --------------------------------------------------------------------


def test_the_sweeper_leaves_deliveries_whose_task_is_waiting(webhook_settings):
    queue()

    assert services.sweep_deliveries() == services.SweepResult()
    assert DBTaskResult.objects.count() == 1


def test_the_sweeper_requeues_a_due_delivery_without_a_waiting_task(
    webhook_settings, receiver
):
    delivery = queue()
    DBTaskResult.objects.all().delete()  # as if the task had been lost

    result = services.sweep_deliveries()

    assert result.requeued == 1
    assert refreshed(delivery).task_id == DBTaskResult.objects.get().id
    run_ready_tasks()
    assert refreshed(delivery).status == "delivered"


def test_the_sweeper_requeues_a_delivery_whose_worker_died_after_the_lease(
    webhook_settings, receiver
):
    delivery = queue()
    task = DBTaskResult.objects.get()
    task.claim("dead-worker")  # the worker took the task ...
    services.claim_delivery(delivery.id)  # ... and the delivery, then was killed.

    assert services.sweep_deliveries().requeued == 0  # the lease is still live
    after_lease = timezone.now() + services.lease_duration() + timedelta(seconds=1)
    assert services.sweep_deliveries(now=after_lease).requeued == 1

    delivery = refreshed(delivery)
    assert delivery.locked_until is None
    assert delivery.status == "pending"
    assert delivery.task_id != task.id
    run_ready_tasks()
    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert receiver.requests[0].header("X-Tessera-Attempt") == "2"


def test_the_sweeper_leaves_a_delivery_whose_task_just_started(webhook_settings):
    # Between a task starting and its claim there is no lease yet: re-queuing then
    # would only make the starting task find the row locked and skip it.
    delivery = queue()
    task = DBTaskResult.objects.get()
    task.claim("live-worker")

    assert services.sweep_deliveries().requeued == 0
    assert refreshed(delivery).task_id == task.id
    # A worker that died before claiming: after a lease the task counts as dead.
    after_lease = timezone.now() + services.lease_duration() + timedelta(seconds=1)
    assert services.sweep_deliveries(now=after_lease).requeued == 1


def test_a_worker_dying_during_the_last_attempt_fails_the_delivery(webhook_settings):
    webhook_settings.WEBHOOK_MAX_ATTEMPTS = 1
    delivery = queue()
    DBTaskResult.objects.get().claim("dead-worker")
    services.claim_delivery(delivery.id)
    after_lease = timezone.now() + services.lease_duration() + timedelta(seconds=1)

    assert services.sweep_deliveries(now=after_lease).failed == 1

    delivery = refreshed(delivery)
    assert delivery.status == "failed"
    assert delivery.last_error.startswith("The worker stopped during attempt 1")


def test_the_sweeper_ignores_deliveries_not_yet_due_or_finished(webhook_settings):
    waiting = queue()
    done = queue()
    DBTaskResult.objects.all().delete()
    WebhookDelivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    WebhookDelivery.objects.filter(pk=done.pk).update(status="delivered")

    assert services.sweep_deliveries().requeued == 0


def test_the_sweeper_closes_tasks_stranded_in_running(webhook_settings):
    queue()
    task = DBTaskResult.objects.get()
    task.claim("dead-worker")
    much_later = timezone.now() + 3 * services.lease_duration()

    assert services.release_stranded_tasks(now=much_later) == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert services.release_stranded_tasks(now=timezone.now()) == 0


def test_the_sweeper_works_through_large_backlogs_in_batches(webhook_settings):
    for _ in range(5):
        queue()
    DBTaskResult.objects.all().delete()

    assert services.sweep_deliveries(batch_size=2).requeued == 5
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 5


# --- Redelivery ---------------------------------------------------------------------


@pytest.fixture
def failed_delivery(webhook_settings, receiver):  # type: ignore[no-untyped-def]
    receiver.script = always(500, b"down")
    delivery = queue()
    deliver_all()
    assert refreshed(delivery).status == "failed"
    receiver.script = always(200)
    return refreshed(delivery)


def test_a_failed_delivery_is_redelivered_and_audited(failed_delivery, receiver):
    delivery = services.redeliver_delivery(delivery_id=failed_delivery.id, actor=ACTOR)

    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert (
        DBTaskResult.objects.get(pk=delivery.task_id).status == TaskResultStatus.READY
    )
    event = Event.objects.get(action="webhook.redelivered")
    assert event.entity_type == "webhook_delivery"
    assert event.entity_id == delivery.id
    assert event.actor_id is None
    assert event.payload == {
        "event_type": "proposal.withdrawn",
        "url": receiver.url,
        "previous_attempts": 3,
        "last_error": "down",
        "last_status_code": 500,
    }
    assert event.actor_label == "tests"
    run_ready_tasks()
    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "delivered",
        1,
        None,
    )
    assert receiver.requests[-1].header("X-Tessera-Delivery") == str(delivery.id)


def test_only_failed_deliveries_can_be_redelivered(webhook_settings):
    delivery = queue()

    with pytest.raises(DeliveryNotFailedError, match="is pending"):
        services.redeliver_delivery(delivery_id=delivery.id, actor=ACTOR)
    assert not Event.objects.filter(action="webhook.redelivered").exists()


def test_redelivering_an_unknown_delivery_is_not_found(db):
    with pytest.raises(DeliveryNotFoundError, match="not found"):
        services.redeliver_delivery(delivery_id=uuid.uuid4(), actor=ACTOR)


def test_the_sweeper_prunes_finished_tasks_after_the_retention(
    webhook_settings, receiver
):
    queue()
    run_ready_tasks()
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.SUCCESSFUL

    assert services.prune_finished_tasks() == 0
    later = timezone.now() + services.TASK_RESULT_RETENTION + timedelta(seconds=1)
    assert services.prune_finished_tasks(now=later) == 1
    assert not DBTaskResult.objects.exists()
    assert WebhookDelivery.objects.get().status == "delivered"
