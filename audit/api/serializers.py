"""JSON shape of audit events (API.md 4.11, 5.10)."""

from rest_framework import serializers

from audit.models import Event
from tessera.openapi import JsonObjectField


class EventSerializer(serializers.ModelSerializer):
    payload = JsonObjectField(read_only=True)

    class Meta:
        model = Event
        fields = (
            "id",
            "entity_type",
            "entity_id",
            "action",
            "actor_id",
            "payload",
            "occurred_at",
        )
        read_only_fields = fields


class EventListQuerySerializer(serializers.Serializer):
    entity_type = serializers.CharField(required=False, help_text="Exact match.")
    entity_id = serializers.UUIDField(required=False)
    action = serializers.CharField(
        required=False, help_text="Exact match, e.g. `contract.published`."
    )
    actor_id = serializers.UUIDField(required=False)
    # "from" is a Python keyword: declared in __init__ below.

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.DateTimeField(
            required=False, help_text="Inclusive lower bound on `occurred_at`."
        )
        self.fields["to"] = serializers.DateTimeField(
            required=False, help_text="Inclusive upper bound on `occurred_at`."
        )
