"""Admin for webhook deliveries: read-only, with a "redeliver" action for failed ones."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tessera.admin import ReadOnlyAdminMixin, admin_actor
from tessera.errors import TesseraError
from webhooks.models import WebhookDelivery
from webhooks.services import redeliver_delivery


# Deliveries are written by the application only; staff may redeliver, not edit.
@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "short_error",
        "delivered_at",
        "url",
    )
    list_filter = ("status", "event_type")
    search_fields = ("=id", "event_type", "url")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    actions = ("redeliver",)
    readonly_fields = (
        "id",
        "event_type",
        "url",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "next_attempt_at",
        "locked_until",
        "task_id",
        "payload",
        "body",
    )
    fields = readonly_fields

    @admin.display(description="last error")
    def short_error(self, delivery: WebhookDelivery) -> str:
        error = delivery.last_error or ""
        return error if len(error) <= 80 else error[:79] + "…"

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        # Editing is closed to everyone; redelivering needs the model's change permission.
        return request.user.has_perm("webhooks.change_webhookdelivery")

    @admin.action(
        description="Redeliver selected failed deliveries", permissions=["redeliver"]
    )
    def redeliver(
        self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]
    ) -> None:
        actor = admin_actor(request)
        done = 0
        for delivery in queryset.order_by("created_at", "id"):
            try:
                redeliver_delivery(delivery_id=delivery.pk, actor=actor)
            except TesseraError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request, f"{done} deliveries queued for redelivery.", messages.SUCCESS
            )
