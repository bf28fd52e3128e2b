"""Recording audit events: the one function every write goes through."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from audit.models import Event


def record_event(
    *,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    actor_id: uuid.UUID | str | None,
    actor_label: str = "",
    payload: Mapping[str, Any] | None = None,
) -> Event:
    """Append an event. Call it inside the transaction of the change it describes."""
    # Round-trip through JSON so UUIDs and datetimes are stored as plain strings.
    data = json.loads(json.dumps(dict(payload or {}), cls=DjangoJSONEncoder))
    return Event.objects.create(
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor_id,
        actor_label=actor_label[:200],
        payload=data,
    )
