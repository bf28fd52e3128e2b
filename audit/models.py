"""The append-only audit log (WORKFLOWS.md 11)."""

from __future__ import annotations

from typing import Any, NoReturn

import pgtrigger
from django.db import models
from django.utils import timezone

from tessera.models import UUIDModel


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class EventQuerySet(models.QuerySet["Event"]):
    # On PostgreSQL a trigger refuses these too; on SQLite the app is the only guard.
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Audit events are append-only")


class Event(UUIDModel):
    """One thing that happened to one entity, by one actor. Never updated or deleted.

    ``entity_id`` and ``actor_id`` are plain ids, not foreign keys: no cascade may ever
    reach an audit row, and events outlive the rows they describe.
    """

    entity_type = models.CharField(max_length=100)
    entity_id = models.UUIDField()
    action = models.CharField(max_length=100)
    actor_id = models.UUIDField(null=True, blank=True)
    # Who acted, as text ("api_key:ci", "admin:alice", "manage.py bootstrap"): admin
    # actions and commands act for no team, and the text outlives deleted keys.
    actor_label = models.CharField(
        max_length=200, blank=True, default="", db_default=""
    )
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "events"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="event_occurred"),
            models.Index(
                fields=["entity_type", "entity_id", "-occurred_at"], name="event_entity"
            ),
            models.Index(fields=["action", "-occurred_at"], name="event_action"),
            models.Index(fields=["actor_id", "-occurred_at"], name="event_actor"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type}:{self.entity_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only")
