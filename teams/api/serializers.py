"""JSON shapes of teams and API keys (API.md 4.2, 4.10, 5.1, 5.8)."""

from __future__ import annotations

import re

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teams.models import ApiKey, ApiKeyScope, Team
from tessera.openapi import JsonObjectField

TEAM_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_\- ]*[A-Za-z0-9])?$")


def clean_team_name(value: str) -> str:
    """Creation rules (SCHEMA_DIFF.md 8.3), also applied on rename as API.md 5.1.4 advises."""
    limit = settings.MAX_TEAM_NAME_LENGTH
    if len(value) > limit:
        raise serializers.ValidationError(
            f"String should have at most {limit} characters", code="max_length"
        )
    if not value:
        raise serializers.ValidationError(
            "String should have at least 1 character", code="min_length"
        )
    name = value.strip()
    # Rule violations are the reference's custom validators: type "value_error".
    if not name:
        raise serializers.ValidationError(
            "Team name cannot be empty or whitespace only", code="value_error"
        )
    if not TEAM_NAME.match(name):
        raise serializers.ValidationError(
            "Team name must start and end with a letter or digit and contain only "
            "letters, digits, underscores, hyphens and spaces",
            code="value_error",
        )
    return name


class TeamSerializer(serializers.ModelSerializer):
    metadata = JsonObjectField(read_only=True)

    class Meta:
        model = Team
        fields = ("id", "name", "metadata", "created_at")
        read_only_fields = fields


NAME_RULES = (
    "1..MAX_TEAM_NAME_LENGTH (255) characters, then trimmed; must start and end with "
    "an ASCII letter or digit and contain only letters, digits, `_`, `-` and spaces."
)


class CreateTeamSerializer(serializers.Serializer):
    name = serializers.CharField(
        trim_whitespace=False, allow_blank=True, help_text=f"Unique. {NAME_RULES}"
    )
    metadata = serializers.DictField(
        required=False, default=dict, help_text="Any JSON object."
    )

    def validate_name(self, value: str) -> str:
        return clean_team_name(value)


class UpdateTeamSerializer(serializers.Serializer):
    """All fields optional; ``null`` or absent means unchanged (API.md 5.1.4)."""

    name = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        required=False,
        allow_null=True,
        help_text=f"New unique name. {NAME_RULES}",
    )
    metadata = serializers.DictField(
        required=False,
        allow_null=True,
        help_text="Replaces the whole metadata object.",
    )

    def validate_name(self, value: str | None) -> str | None:
        return None if value is None else clean_team_name(value)


class TeamListQuerySerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Case-insensitive substring of the team name.",
    )


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": ApiKeyScope.values}}
)
class ScopesField(serializers.JSONField):
    """The stored scope list; renders exactly like ``JSONField``."""


class ApiKeySerializer(serializers.ModelSerializer):
    scopes = ScopesField(read_only=True)

    class Meta:
        model = ApiKey
        fields = (
            "id",
            "key_prefix",
            "name",
            "team_id",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        )
        read_only_fields = fields


class CreatedApiKeySerializer(serializers.ModelSerializer):
    """The creation response: the only place the raw key is ever shown."""

    key = serializers.SerializerMethodField(
        help_text="The full secret: shown only in this response."
    )
    scopes = ScopesField(read_only=True)

    class Meta:
        model = ApiKey
        fields = (
            "id",
            "key",
            "key_prefix",
            "name",
            "team_id",
            "scopes",
            "created_at",
            "expires_at",
        )
        read_only_fields = fields

    def get_key(self, obj: ApiKey) -> str:
        return str(self.context["raw_key"])


class CreateApiKeySerializer(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=255, trim_whitespace=False)
    team_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="An existing, non-deleted team; defaults to the caller's team.",
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.values),
        required=False,
        default=lambda: [ApiKeyScope.READ.value, ApiKeyScope.WRITE.value],
        help_text='Defaults to `["read", "write"]`; may be empty.',
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyListQuerySerializer(serializers.Serializer):
    team_id = serializers.UUIDField(
        required=False,
        help_text="Only this team's keys (admin callers; others always see only "
        "their own team's keys).",
    )
    include_revoked = serializers.BooleanField(
        required=False, default=False, help_text="Also list revoked keys."
    )
