"""Webhook deliveries: an outbox row per event, written with the change that caused it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tessera.models import UUIDModel


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
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(null=True, blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due; the worker and the sweeper pick pending rows by it.
    next_attempt_at = models.DateTimeField(default=timezone.now)

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
