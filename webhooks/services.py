"""Webhook deliveries: queued with the change, attempted by a worker, swept when stuck.

The delivery row is the source of truth (WORKFLOWS.md 12.4). Its life:

1. ``queue_event`` writes the row (pending, attempts 0) *and* its django-tasks-db task
   row in the caller's transaction: a rolled-back change leaves neither, a committed
   one will be delivered even if the process dies right after the commit.
2. The task (``webhooks.tasks.deliver_webhook``) calls ``attempt_delivery``:
   ``claim_delivery`` takes a lease (``locked_until``) in its own short transaction,
   committed before the HTTP call, so only one worker attempts a delivery at a time;
   the POST runs with no transaction open; ``record_attempt`` stores the outcome, and on
   a retryable failure enqueues the next task with ``run_after`` = the backoff, in the
   same transaction.
3. ``sweep_deliveries`` (periodic, in every worker) re-queues pending deliveries that
   are due but have no waiting task and no live lease: the task of a killed worker
   stays RUNNING forever in django-tasks-db, and its lease expires.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.services import record_event
from teams.principal import Principal
from webhooks import tasks
from webhooks.delivery import (
    AttemptResult,
    backoff_seconds,
    post_webhook,
    truncate_error,
)
from webhooks.errors import DeliveryNotFailedError, DeliveryNotFoundError
from webhooks.models import WebhookDelivery
from webhooks.signing import delivery_headers, encode_body

logger = logging.getLogger("tessera.webhooks")

# The lease outlives the attempt's hard deadline (WEBHOOK_TIMEOUT_SECONDS) by this much,
# to cover the database writes around it. A delivery whose worker died is re-queued by
# the first sweep after the lease ends: within timeout + margin + sweep interval.
LEASE_MARGIN_SECONDS = 2.0
# A task may start this much before its delivery's next_attempt_at (clock skew
# between the worker that scheduled the retry and the one running it).
CLOCK_SKEW_SECONDS = 1.0
SWEEP_BATCH_SIZE = 500
# Finished delivery tasks are kept this long (for debugging), then pruned by the sweep.
TASK_RESULT_RETENTION = timedelta(days=7)
PRUNE_BATCH_SIZE = 1000


class _LostClaimError(Exception):
    """The lease expired and another worker claimed the delivery: drop this outcome."""


def event_envelope(
    event_type: str, payload: Mapping[str, Any], *, at: datetime | None = None
) -> dict[str, Any]:
    """The event body of WORKFLOWS.md 12.2: ``{"event", "timestamp", "payload"}``."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return {
        "event": event_type,
        "timestamp": moment.isoformat().replace("+00:00", "Z"),
        # Round-trip through JSON: UUIDs and datetimes become plain strings.
        "payload": json_safe(payload),
    }


def json_safe(payload: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(payload), cls=DjangoJSONEncoder))


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)


def _enqueue(delivery_id: uuid.UUID, *, run_after: datetime | None = None) -> uuid.UUID:
    """Enqueue the delivery task in the current transaction; return the task's id."""
    task = tasks.deliver_webhook
    if run_after is not None:
        task = task.using(run_after=run_after)
    return uuid.UUID(str(task.enqueue(str(delivery_id)).id))


def queue_event(event_type: str, payload: Mapping[str, Any]) -> WebhookDelivery | None:
    """Record ``event_type`` for delivery, in the current transaction.

    Writes the pending delivery row and the task that will send it; nothing leaves the
    process here. If the change rolls back, so do both; once it commits, a worker sends
    it. Returns None when no WEBHOOK_URL is configured (no webhooks, no records).
    """
    url = settings.WEBHOOK_URL
    if not url:
        return None
    envelope = event_envelope(event_type, payload)
    with transaction.atomic():
        delivery = WebhookDelivery(
            event_type=event_type,
            payload=envelope,
            url=url,
            body=encode_body(envelope).decode("utf-8"),
        )
        delivery.task_id = _enqueue(delivery.id)
        delivery.save(force_insert=True)
    return delivery


def claim_delivery(
    delivery_id: uuid.UUID | str, *, now: datetime | None = None
) -> WebhookDelivery | None:
    """Take the lease of a due pending delivery and count the attempt; None if not claimable.

    Commits before returning, so the lease is visible to every other worker before the
    HTTP call starts. A delivery that is delivered, failed, not yet due or leased by a
    live worker is not claimable: a duplicate task for it is harmless.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(locked_until__isnull=True) | Q(locked_until__lte=now),
                pk=delivery_id,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now + timedelta(seconds=CLOCK_SKEW_SECONDS),
            )
            .first()
        )
        if delivery is None:
            return None
        # Counted when it starts: an attempt cut short by a dying worker may still have
        # reached the receiver, and must count against WEBHOOK_MAX_ATTEMPTS.
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.locked_until = now + lease_duration()
        delivery.claim_token = uuid.uuid4()
        delivery.save(
            update_fields=["attempts", "last_attempt_at", "locked_until", "claim_token"]
        )
    return delivery


def record_attempt(
    delivery: WebhookDelivery, result: AttemptResult, *, now: datetime | None = None
) -> str:
    """Store the outcome of the attempt ``delivery`` was claimed for; return the new status.

    Success → delivered. A permanent failure (refused destination, invalid URL) or the
    last attempt → failed. Otherwise the delivery stays pending and its next task is
    enqueued with ``run_after`` = now + backoff, in the same transaction. If the lease was
    lost meanwhile (another worker re-claimed it), nothing is written: returns "lost".
    """
    now = now or timezone.now()
    updates: dict[str, Any] = {
        "locked_until": None,
        "claim_token": None,
        "last_status_code": result.status_code,
        "last_error": result.error,
    }
    retry_at: datetime | None = None
    if result.succeeded:
        updates.update(
            status=WebhookDelivery.Status.DELIVERED, delivered_at=now, last_error=None
        )
    elif result.permanent or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        updates.update(status=WebhookDelivery.Status.FAILED)
    else:
        delay = backoff_seconds(delivery.attempts, settings.WEBHOOK_BACKOFF_SECONDS)
        retry_at = now + timedelta(seconds=delay)
        updates.update(next_attempt_at=retry_at)
    try:
        with transaction.atomic():
            if retry_at is not None:
                updates["task_id"] = _enqueue(delivery.id, run_after=retry_at)
            owned = WebhookDelivery.objects.filter(
                pk=delivery.pk, claim_token=delivery.claim_token
            )
            if not owned.update(**updates):
                raise _LostClaimError
    except _LostClaimError:
        logger.warning(
            "Webhook delivery %s: lease lost during attempt %s, outcome dropped",
            delivery.pk,
            delivery.attempts,
        )
        return "lost"
    for field, value in updates.items():
        setattr(delivery, field, value)
    return str(delivery.status)


def attempt_delivery(delivery_id: uuid.UUID | str) -> str:
    """Make one attempt of a delivery, if it is claimable; return its status afterwards."""
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return "skipped"
    body = delivery.body_bytes
    headers = delivery_headers(
        event_type=delivery.event_type,
        event_timestamp=str(delivery.payload.get("timestamp", "")),
        delivery_id=str(delivery.id),
        attempt=delivery.attempts,
        body=body,
        secret=settings.WEBHOOK_SECRET,
    )
    result = post_webhook(
        delivery.url,
        body,
        headers,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS,
        allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK,
    )
    status = record_attempt(delivery, result)
    log = logger.info if result.succeeded else logger.warning
    log(
        "Webhook delivery %s (%s) attempt %s: %s%s",
        delivery.pk,
        delivery.event_type,
        delivery.attempts,
        status,
        "" if result.succeeded else f" ({result.status_code or '-'}: {result.error})",
    )
    return status


@dataclass(frozen=True)
class SweepResult:
    requeued: int = 0
    failed: int = 0
    stranded_tasks: int = 0
    pruned_tasks: int = 0


def sweep_deliveries(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> SweepResult:
    """Re-queue pending deliveries that are due but that no task will pick up.

    That is: no live lease, and no live task — it finished without claiming, or its
    worker died (the task stays RUNNING; after a lease it counts as dead). A
    delivery whose worker died during its last allowed attempt is marked failed instead.
    Safe to run in several workers at once: rows are locked with SKIP LOCKED, and a
    duplicate task would only find the delivery not claimable.
    """
    now = now or timezone.now()
    # A task still waiting, or one a worker started less than a lease ago: between a
    # task starting and its claim taking the lease, the delivery has no lease yet, and
    # re-queuing it then would only make the starting task find it locked and skip.
    live_task = DBTaskResult.objects.filter(pk=OuterRef("task_id")).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gt=now - lease_duration())
    )
    orphans = WebhookDelivery.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now),
        ~Exists(live_task),
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).order_by("next_attempt_at", "id")
    requeued = failed = 0
    while True:
        with transaction.atomic():
            batch = list(orphans.select_for_update(skip_locked=True)[:batch_size])
            for delivery in batch:
                interrupted = delivery.locked_until is not None
                delivery.locked_until = None
                delivery.claim_token = None
                if interrupted and delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                    delivery.status = WebhookDelivery.Status.FAILED
                    delivery.last_status_code = None
                    delivery.last_error = truncate_error(
                        f"The worker stopped during attempt {delivery.attempts} "
                        "(no response was recorded); no attempts left"
                    )
                    failed += 1
                else:
                    delivery.task_id = _enqueue(delivery.id)
                    requeued += 1
                delivery.save(
                    update_fields=[
                        "locked_until",
                        "claim_token",
                        "status",
                        "last_status_code",
                        "last_error",
                        "task_id",
                    ]
                )
        if len(batch) < batch_size:
            break
    stranded = release_stranded_tasks(now=now)
    pruned = prune_finished_tasks(now=now)
    if requeued or failed or stranded:
        logger.info(
            "Webhook sweep: %s re-queued, %s failed, %s stranded tasks closed",
            requeued,
            failed,
            stranded,
        )
    return SweepResult(
        requeued=requeued, failed=failed, stranded_tasks=stranded, pruned_tasks=pruned
    )


def release_stranded_tasks(*, now: datetime | None = None) -> int:
    """Mark delivery tasks left RUNNING by a dead worker as FAILED (bookkeeping only).

    No live delivery task runs longer than its lease, so one started two leases ago
    belongs to a worker that is gone; the sweep has re-queued its delivery.
    """
    now = now or timezone.now()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path=tasks.deliver_webhook.module_path,
        started_at__lt=now - 2 * lease_duration(),
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="webhooks.tasks.WorkerLostError",
        traceback="The worker running this task stopped; the delivery was re-queued by the sweeper.\n",
    )


def prune_finished_tasks(
    *, now: datetime | None = None, limit: int = PRUNE_BATCH_SIZE
) -> int:
    """Delete finished delivery tasks older than TASK_RESULT_RETENTION, a batch per sweep.

    Every attempt leaves a task row; the delivery row is the record that matters, so
    without pruning the task table would only grow.
    """
    now = now or timezone.now()
    finished = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        task_path=tasks.deliver_webhook.module_path,
        finished_at__lt=now - TASK_RESULT_RETENTION,
    )
    old_ids = list(
        finished.order_by("finished_at").values_list("pk", flat=True)[:limit]
    )
    if not old_ids:
        return 0
    deleted, _ = DBTaskResult.objects.filter(pk__in=old_ids).delete()
    return deleted


@transaction.atomic
def redeliver_delivery(
    *, delivery_id: uuid.UUID | str, actor: Principal
) -> WebhookDelivery:
    """Send a failed delivery again: back to pending with a fresh set of attempts.

    ``attempts`` restarts at 0 so the redelivery gets WEBHOOK_MAX_ATTEMPTS tries of its
    own; the audit event ``webhook.redelivered`` keeps the previous count and error. The
    body, URL and delivery id are unchanged, so receivers can still deduplicate.
    """
    delivery = (
        WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    )
    if delivery is None:
        raise DeliveryNotFoundError(delivery_id)
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise DeliveryNotFailedError(delivery.pk, delivery.status)
    previous = {
        "event_type": delivery.event_type,
        "url": delivery.url,
        "previous_attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "last_status_code": delivery.last_status_code,
    }
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.locked_until = None
    delivery.claim_token = None
    delivery.task_id = _enqueue(delivery.pk)
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "locked_until",
            "claim_token",
            "task_id",
        ]
    )
    record_event(
        action="webhook.redelivered",
        entity_type="webhook_delivery",
        entity_id=delivery.pk,
        actor_id=actor.team_id,
        actor_label=actor.label,
        payload=previous,
    )
    return delivery
