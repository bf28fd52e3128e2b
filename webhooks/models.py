"""Webhook deliveries: an outbox row per event, written with the change that caused it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tessera.models import UUIDModel
from webhooks.signing import encode_body


class WebhookDeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def for_api(self) -> WebhookDeliveryQuerySet:
        """Without the columns the API never shows (the body duplicates the payload)."""
        return self.defer("body", "claim_token", "locked_until", "task_id")


class WebhookDelivery(UUIDModel):
    """One event to POST to WEBHOOK_URL, and what happened when it was sent."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    event_type = models.CharField(max_length=100)
    # The whole event envelope: {"event", "timestamp", "payload"}.
    payload = models.JSONField()
    url = models.CharField(max_length=2000)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(null=True, blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due; the worker and the sweeper pick pending rows by it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The exact bytes sent (and signed) on every attempt: fixed when the event is queued,
    # so retries are byte-identical and key order is the envelope's, whatever the
    # database does to JSON.
    body = models.TextField(default="", blank=True)
    # The lease of the worker making an attempt: no other worker may claim the row
    # before locked_until. A worker that dies leaves an expired lease for the sweeper.
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    # The django-tasks-db task that will make the next attempt; the sweeper re-queues
    # due deliveries whose task is no longer waiting (finished, or stranded RUNNING).
    task_id = models.UUIDField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        db_table = "webhook_deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="delivery_created"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} → {self.url} ({self.status})"

    @property
    def body_bytes(self) -> bytes:
        """The request body: the stored bytes, or the envelope for rows queued without one."""
        return self.body.encode("utf-8") if self.body else encode_body(self.payload)
