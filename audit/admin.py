"""Admin for the audit log: read-only, like the table itself."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "action", "entity_type", "entity_id", "actor_id")
    list_filter = ("action", "entity_type")
    search_fields = ("action", "entity_type", "entity_id", "actor_id")
    ordering = ("-occurred_at", "-id")
    fields = (
        "id",
        "occurred_at",
        "action",
        "entity_type",
        "entity_id",
        "actor_id",
        "payload",
    )
    readonly_fields = fields

    # Events are append-only: written by the services, never added, changed or deleted
    # by hand (the database refuses UPDATE and DELETE on PostgreSQL as well).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
