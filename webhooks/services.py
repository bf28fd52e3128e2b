"""Queueing webhook events as delivery rows in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from webhooks.models import WebhookDelivery


def event_envelope(event_type: str, payload: Mapping[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
    """The event body of WORKFLOWS.md 12.2: ``{"event", "timestamp", "payload"}``."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return {
        "event": event_type,
        "timestamp": moment.isoformat().replace("+00:00", "Z"),
        # Round-trip through JSON: UUIDs and datetimes become plain strings.
        "payload": json.loads(json.dumps(dict(payload), cls=DjangoJSONEncoder)),
    }


def queue_event(event_type: str, payload: Mapping[str, Any]) -> WebhookDelivery | None:
    """Record ``event_type`` for delivery, in the current transaction.

    If the change rolls back, so does the delivery; once it commits, a worker sends it.
    Returns None when no WEBHOOK_URL is configured (no webhooks, no records).
    """
    url = settings.WEBHOOK_URL
    if not url:
        return None
    return WebhookDelivery.objects.create(
        event_type=event_type, payload=event_envelope(event_type, payload), url=url
    )
