"""JSON shapes of contracts and registrations (API.md 4.4, 4.5, 5.2.8-5.2.11, 5.3, 5.4)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from contracts.models import ChangeType, CompatibilityMode, Contract, Registration
from contracts.schema_diff import ChangeKind
from contracts.schema_validation import schema_limit_errors
from contracts.services.publishing import GUARANTEE_KEYS
from tessera.openapi import JsonObjectField

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


class VersionFieldExtension(OpenApiSerializerFieldExtension):
    """Document a ``VersionField``'s pattern (its lengths come from its validators)."""

    target_class = VersionField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field: VersionField = self.target
        return {"type": "string", "pattern": f"^{field.pattern.pattern}$"}


def compatibility_mode_field(**kwargs: Any) -> serializers.ChoiceField:
    # Labelled choices: the same enum as the model's in /openapi.json.
    return serializers.ChoiceField(
        choices=CompatibilityMode.choices,
        error_messages={"invalid_choice": enum_message(CompatibilityMode.values)},
        **kwargs,
    )


class GuaranteesSerializer(serializers.Serializer):
    """Guarantees as stored: unknown keys are dropped, the four known ones kept."""

    freshness = serializers.DictField(
        required=False, allow_null=True, help_text="Any object."
    )
    volume = serializers.DictField(
        required=False, allow_null=True, help_text="Any object."
    )
    nullability = serializers.DictField(
        child=serializers.CharField(trim_whitespace=False, allow_blank=True),
        required=False,
        allow_null=True,
        help_text="Column name to a string.",
    )
    accepted_values = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(trim_whitespace=False, allow_blank=True)
        ),
        required=False,
        allow_null=True,
        help_text="Column name to its accepted values.",
    )


# --- OpenAPI shapes (documentation only: never used to render) -------------------------


@extend_schema_serializer(component_name="Guarantees")
class GuaranteesShape(serializers.Serializer):
    """Stored guarantees, always with the four keys (missing ones are null)."""

    freshness = serializers.DictField(allow_null=True)
    volume = serializers.DictField(allow_null=True)
    nullability = serializers.DictField(child=serializers.CharField(), allow_null=True)
    accepted_values = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), allow_null=True
    )


CHANGE_KINDS = [kind.value for kind in ChangeKind]


@extend_schema_serializer(component_name="Change")
class ChangeShape(serializers.Serializer):
    """One difference between two schemas (API.md 4.7); see SCHEMA_DIFF.md."""

    type = serializers.ChoiceField(choices=CHANGE_KINDS, help_text="The change kind.")
    path = serializers.CharField(help_text="Where, e.g. `properties.email`.")
    message = serializers.CharField()
    old_value = serializers.JSONField(allow_null=True)
    new_value = serializers.JSONField(allow_null=True)
    change_type = serializers.ChoiceField(
        choices=CHANGE_KINDS, help_text="Same as `type` (for older clients)."
    )


def changes_field(help_text: str) -> ChangeShape:
    """A list of ``Change`` objects, for the OpenAPI shapes."""
    return ChangeShape(many=True, help_text=help_text)


def change_type_field(**kwargs: Any) -> serializers.ChoiceField:
    """``patch``, ``minor`` or ``major``, for the OpenAPI shapes."""
    kwargs.setdefault(
        "help_text",
        "Semantic-version class of the change (independent of the compatibility mode).",
    )
    return serializers.ChoiceField(choices=ChangeType.choices, **kwargs)


@extend_schema_field(GuaranteesShape)
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
    schema_def = JsonObjectField(source="schema", read_only=True)
    # allow_null only documents the null: read-only fields render None as null anyway.
    guarantees = GuaranteesField(read_only=True, allow_null=True)

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

    schema = JsonObjectField(read_only=True)

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
    status = serializers.CharField(
        source="contract.status", help_text="`active`, `deprecated` or `retired`."
    )
    published_at = serializers.DateTimeField(source="contract.published_at")
    published_by = serializers.UUIDField(source="contract.published_by")
    compatibility_mode = serializers.CharField(
        source="contract.compatibility_mode",
        help_text="`backward`, `forward`, `full` or `none`.",
    )
    change_type = serializers.CharField(
        help_text="`patch`, `minor` or `major` against the next older contract; "
        "`initial` for the oldest."
    )
    breaking_changes_count = serializers.IntegerField(
        help_text="Changes breaking under the older contract's mode; 0 for the oldest."
    )


# --- Contracts in --------------------------------------------------------------------


class PublishQuerySerializer(serializers.Serializer):
    # Optional here: EXT-6 lets the body name the publisher and the force flag.
    published_by = serializers.UUIDField(
        required=False,
        help_text="The team recorded as publisher. Required, unless the body names "
        "it (`published_by` or `publisher_team_id`); the query wins.",
    )
    force = QueryBooleanField(
        required=False,
        help_text="Publish even if the change is breaking (default `false`; the "
        "body's `force` applies when absent). Accepts `true/false`, `1/0`, `yes/no`, "
        "`on/off`, `t/f`, `y/n`.",
    )


class PublishContractSerializer(serializers.Serializer):
    """The body of ``POST /assets/{id}/contracts``; feeds ``publish_contract()``."""

    version = VersionField(
        min_length=5, max_length=50, help_text="Semantic version, e.g. `1.2.0`."
    )
    schema = serializers.DictField(
        error_messages={"not_a_dict": "Input should be a valid dictionary"},
        help_text="The JSON Schema (Draft 7). At most MAX_SCHEMA_SIZE_BYTES as "
        "compact JSON and, for a top-level object, MAX_SCHEMA_PROPERTIES properties.",
    )
    compatibility_mode = compatibility_mode_field(
        required=False,
        default=CompatibilityMode.BACKWARD,
        help_text="Stored on the new contract; governs the next publish.",
    )
    guarantees = GuaranteesSerializer(required=False, allow_null=True, default=None)
    # EXT-6: the CLI sends the publisher and the force flag in the body.
    published_by = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Publisher when the `published_by` query parameter is absent.",
    )
    publisher_team_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Alias of `published_by`."
    )
    force = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Used when the `force` query parameter is absent.",
    )

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
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Case-insensitive substring of the version.",
    )


class VersionDiffQuerySerializer(serializers.Serializer):
    from_version = serializers.CharField(
        trim_whitespace=False, help_text="The old side: an exact version string."
    )
    to_version = serializers.CharField(
        trim_whitespace=False, help_text="The new side: an exact version string."
    )


class CompareContractsSerializer(serializers.Serializer):
    contract_id_1 = serializers.UUIDField(help_text="The old side.")
    contract_id_2 = serializers.UUIDField(help_text="The new side.")
    compatibility_mode = compatibility_mode_field(
        required=False, allow_null=True, help_text="Default: contract 1's mode."
    )


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
    contract_id = serializers.UUIDField(
        required=False,
        help_text="The contract to register on (any status). Required, unless the "
        "body names an `asset_id`.",
    )


class CreateRegistrationSerializer(serializers.Serializer):
    consumer_team_id = serializers.UUIDField(help_text="Must be the caller's team.")
    pinned_version = pin_field(help_text="`X.Y.Z`, if given.")
    asset_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Without the `contract_id` query parameter: register on this "
        "asset's current active contract.",
    )


class UpdateRegistrationSerializer(serializers.Serializer):
    # Validated like creation: the reference stored any string and then failed (500).
    pinned_version = pin_field(
        help_text="`X.Y.Z`; absent or `null` leaves the pin unchanged."
    )
    status = serializers.ChoiceField(
        choices=Registration.Status.choices,
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
