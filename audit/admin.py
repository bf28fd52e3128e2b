"""Admin for the audit log: read-only, like the table itself."""

from __future__ import annotations

from django.contrib import admin

from audit.models import Event
from tessera.admin import ReadOnlyAdminMixin


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "action",
        "entity_type",
        "entity_id",
        "actor_id",
        "actor_label",
    )
    list_filter = ("action", "entity_type")
    search_fields = ("action", "entity_type", "entity_id", "actor_id", "actor_label")
    ordering = ("-occurred_at", "-id")
    fields = (
        "id",
        "occurred_at",
        "action",
        "entity_type",
        "entity_id",
        "actor_id",
        "actor_label",
        "payload",
    )
    readonly_fields = fields
    # Events are append-only: written by the services, never added, changed or
    # deleted by hand (the database refuses UPDATE and DELETE on PostgreSQL as well).
