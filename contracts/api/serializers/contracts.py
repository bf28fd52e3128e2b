"""JSON shapes of contracts and registrations (API.md 4.4, 4.5, 5.2.8-5.2.11, 5.3, 5.4)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework import serializers

from contracts.models import CompatibilityMode, Contract, Registration
from contracts.schema_validation import schema_limit_errors
from contracts.services.publishing import GUARANTEE_KEYS

# SCHEMA_DIFF.md 8.3; ASCII digits only, matched against the whole string.
VERSION_PATTERN = re.compile(
    r"\d+\.\d+\.\d+(-[A-Za-z0-9.-]+)?(\+[A-Za-z0-9.-]+)?", re.ASCII
)
PIN_PATTERN = re.compile(r"\d+\.\d+\.\d+", re.ASCII)
_TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "f", "n"})


def enum_message(values: list[str]) -> str:
    quoted = [f"'{value}'" for value in values]
    return f"Input should be {', '.join(quoted[:-1])} or {quoted[-1]}"


class QueryBooleanField(serializers.BooleanField):
    """The query-string spellings of API.md 1, case-insensitive; anything else is 422."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        text = str(data).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.fail("invalid", input=data)
        raise AssertionError  # unreachable: fail() raises


class VersionField(serializers.CharField):
    """A semver-shaped contract version: 5..50 characters (API.md 5.2.8)."""

    def __init__(
        self, *, pattern: re.Pattern[str] = VERSION_PATTERN, **kwargs: Any
    ) -> None:
        self.pattern = pattern
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault(
            "error_messages",
            {
                "min_length": "String should have at least {min_length} characters",
                "max_length": "String should have at most {max_length} characters",
            },
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        # Length first, then the pattern, as the reference reports one error per field.
        length_ok = (self.min_length is None or len(value) >= self.min_length) and (
            self.max_length is None or len(value) <= self.max_length
        )
        if length_ok and not self.pattern.fullmatch(value):
            raise serializers.ValidationError(
                f"String should match pattern '^{self.pattern.pattern}$'",
                code="pattern",
            )
        return value


def compatibility_mode_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=CompatibilityMode.values,
        error_messages={"invalid_choice": enum_message(CompatibilityMode.values)},
        **kwargs,
    )


class GuaranteesSerializer(serializers.Serializer):
    """Guarantees as stored: unknown keys are dropped, the four known ones kept."""

    freshness = serializers.DictField(required=False, allow_null=True)
    volume = serializers.DictField(required=False, allow_null=True)
    nullability = serializers.DictField(
        child=serializers.CharField(trim_whitespace=False, allow_blank=True),
        required=False,
        allow_null=True,
    )
    accepted_values = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(trim_whitespace=False, allow_blank=True)
        ),
        required=False,
        allow_null=True,
    )


class GuaranteesField(serializers.Field):
    """Render stored guarantees with all four keys, missing ones as null (API.md 4.4)."""

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        return {key: value.get(key) for key in GUARANTEE_KEYS}


# --- Contracts out -------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    """A contract with its schema under ``schema_def`` (publish responses and lists)."""

    asset_id = serializers.UUIDField(read_only=True)
    schema_def = serializers.JSONField(source="schema", read_only=True)
    guarantees = GuaranteesField(read_only=True)

    class Meta:
        model = Contract
        fields = (
            "id",
            "asset_id",
            "version",
            "schema_def",
            "compatibility_mode",
            "guarantees",
            "status",
            "published_at",
            "published_by",
        )
        read_only_fields = fields


class ContractDetailSerializer(ContractSerializer):
    """A contract with its schema under ``schema`` (``GET /contracts/{id}`` only)."""

    schema = serializers.JSONField(read_only=True)

    class Meta(ContractSerializer.Meta):
        fields = (
            "id",
            "asset_id",
            "version",
            "schema",
            "compatibility_mode",
            "guarantees",
            "status",
            "published_at",
            "published_by",
        )
        read_only_fields = fields


class ContractBriefSerializer(serializers.ModelSerializer):
    """One side of a comparison (API.md 5.3.2)."""

    asset_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Contract
        fields = ("id", "version", "published_at", "asset_id")
        read_only_fields = fields


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="contract.id")
    version = serializers.CharField(source="contract.version")
    status = serializers.CharField(source="contract.status")
    published_at = serializers.DateTimeField(source="contract.published_at")
    published_by = serializers.UUIDField(source="contract.published_by")
    compatibility_mode = serializers.CharField(source="contract.compatibility_mode")
    change_type = serializers.CharField()
    breaking_changes_count = serializers.IntegerField()


# --- Contracts in --------------------------------------------------------------------


class PublishQuerySerializer(serializers.Serializer):
    # Optional here: EXT-6 lets the body name the publisher and the force flag.
    published_by = serializers.UUIDField(required=False)
    force = QueryBooleanField(required=False)


class PublishContractSerializer(serializers.Serializer):
    """The body of ``POST /assets/{id}/contracts``; feeds ``publish_contract()``."""

    version = VersionField(min_length=5, max_length=50)
    schema = serializers.DictField(
        error_messages={"not_a_dict": "Input should be a valid dictionary"}
    )
    compatibility_mode = compatibility_mode_field(
        required=False, default=CompatibilityMode.BACKWARD
    )
    guarantees = GuaranteesSerializer(required=False, allow_null=True, default=None)
    # EXT-6: the CLI sends the publisher and the force flag in the body.
    published_by = serializers.UUIDField(required=False, allow_null=True)
    publisher_team_id = serializers.UUIDField(required=False, allow_null=True)
    force = serializers.BooleanField(required=False, allow_null=True)

    def validate_schema(self, value: dict[str, Any]) -> dict[str, Any]:
        errors = schema_limit_errors(
            value,
            max_size_bytes=settings.MAX_SCHEMA_SIZE_BYTES,
            max_properties=settings.MAX_SCHEMA_PROPERTIES,
        )
        if errors:
            # "value_error" (not DRF's "invalid"): rendered "Value error, Schema too large..."
            raise serializers.ValidationError(errors[0], code="value_error")
        return value


class ContractListQuerySerializer(serializers.Serializer):
    asset_id = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(
        choices=Contract.Status.values,
        required=False,
        error_messages={"invalid_choice": enum_message(Contract.Status.values)},
    )
    version = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )


class VersionDiffQuerySerializer(serializers.Serializer):
    from_version = serializers.CharField(trim_whitespace=False)
    to_version = serializers.CharField(trim_whitespace=False)


class CompareContractsSerializer(serializers.Serializer):
    contract_id_1 = serializers.UUIDField()
    contract_id_2 = serializers.UUIDField()
    compatibility_mode = compatibility_mode_field(required=False, allow_null=True)


# --- Registrations -------------------------------------------------------------------


class RegistrationSerializer(serializers.ModelSerializer):
    contract_id = serializers.UUIDField(read_only=True)
    consumer_team_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Registration
        fields = (
            "id",
            "contract_id",
            "consumer_team_id",
            "pinned_version",
            "status",
            "registered_at",
            "acknowledged_at",
        )
        read_only_fields = fields


def pin_field(**kwargs: Any) -> VersionField:
    """``X.Y.Z`` only: no pre-release or build part (SCHEMA_DIFF.md 8.3)."""
    return VersionField(
        pattern=PIN_PATTERN, max_length=50, allow_null=True, required=False, **kwargs
    )


class CreateRegistrationQuerySerializer(serializers.Serializer):
    # Optional: EXT-4 registers by body ``asset_id`` instead.
    contract_id = serializers.UUIDField(required=False)


class CreateRegistrationSerializer(serializers.Serializer):
    consumer_team_id = serializers.UUIDField()
    pinned_version = pin_field()
    asset_id = serializers.UUIDField(required=False, allow_null=True)


class UpdateRegistrationSerializer(serializers.Serializer):
    # Validated like creation: the reference stored any string and then failed (500).
    pinned_version = pin_field()
    status = serializers.ChoiceField(
        choices=Registration.Status.values,
        required=False,
        allow_null=True,
        error_messages={"invalid_choice": enum_message(Registration.Status.values)},
    )


class RegistrationListQuerySerializer(serializers.Serializer):
    consumer_team_id = serializers.UUIDField(required=False)
    contract_id = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(
        choices=Registration.Status.values,
        required=False,
        error_messages={"invalid_choice": enum_message(Registration.Status.values)},
    )
