"""JSON shape of webhook deliveries (API.md 4.12, 5.9)."""

from rest_framework import serializers

from tessera.openapi import JsonObjectField
from webhooks.models import WebhookDelivery


class WebhookDeliverySerializer(serializers.ModelSerializer):
    payload = JsonObjectField(
        read_only=True,
        help_text='The event envelope: `{"event", "timestamp", "payload"}`.',
    )

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event_type",
            "payload",
            "url",
            "status",
            "attempts",
            "last_attempt_at",
            "last_error",
            "last_status_code",
            "created_at",
            "delivered_at",
        )
        read_only_fields = fields


_STATUSES = WebhookDelivery.Status.values


class DeliveryListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=_STATUSES,
        required=False,
        error_messages={
            "invalid_choice": "Input should be "
            + ", ".join(f"'{s}'" for s in _STATUSES[:-1])
            + f" or '{_STATUSES[-1]}'"
        },
    )
    event_type = serializers.CharField(
        required=False, help_text="Exact match, e.g. `proposal.created`."
    )
