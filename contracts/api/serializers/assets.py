"""JSON shapes of assets, dependencies, lineage and impact (API.md 4.3, 4.9, 5.2)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from contracts.api.serializers.contracts import change_type_field, changes_field
from contracts.models import Asset, Dependency, DependencyType, Registration
from contracts.services.assets import Lineage
from contracts.services.impact import ImpactAnalysis
from tessera.errors import RequestValidationError
from tessera.openapi import JsonObjectField

FQN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
ENVIRONMENT_MAX_LENGTH = 50

# If a wrapped impact body has any of these keys it is a schema, not a wrapper (EXT-2).
_SCHEMA_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "$schema",
        "items",
        "required",
        "enum",
        "allOf",
        "anyOf",
        "oneOf",
        "$ref",
    }
)


def _check_length(value: str, minimum: int, maximum: int) -> None:
    # The reference's (pydantic) wording, so clients see the same messages.
    if len(value) < minimum:
        unit = "character" if minimum == 1 else "characters"
        raise serializers.ValidationError(
            f"String should have at least {minimum} {unit}", code="min_length"
        )
    if len(value) > maximum:
        raise serializers.ValidationError(
            f"String should have at most {maximum} characters", code="max_length"
        )


def clean_fqn(value: str) -> str:
    """Creation rules for FQNs (SCHEMA_DIFF.md 8.3), also applied on update (API.md 5.2.5)."""
    _check_length(value, 3, settings.MAX_FQN_LENGTH)
    if not FQN.fullmatch(value):  # fullmatch: "$" alone would accept a trailing newline
        raise serializers.ValidationError(
            "FQN must be dot-separated identifiers with at least two segments "
            "(e.g. 'schema.table' or 'database.schema.table'); each segment starts with "
            "a letter or underscore and contains only letters, digits and underscores",
            code="value_error",
        )
    return value


def clean_environment(value: str) -> str:
    _check_length(value, 1, ENVIRONMENT_MAX_LENGTH)
    return value


def _default_environment() -> str:
    return str(settings.DEFAULT_ENVIRONMENT)


# --- Output -----------------------------------------------------------------------------


class AssetSerializer(serializers.ModelSerializer):
    metadata = JsonObjectField(read_only=True)

    class Meta:
        model = Asset
        fields = ("id", "fqn", "owner_team_id", "environment", "metadata", "created_at")
        read_only_fields = fields


class AssetSearchResultSerializer(serializers.ModelSerializer):
    """The slimmer search row (API.md 5.2.3); needs ``select_related("owner_team")``."""

    owner_team_name = serializers.CharField(source="owner_team.name", read_only=True)

    class Meta:
        model = Asset
        fields = ("id", "fqn", "owner_team_id", "owner_team_name", "environment")
        read_only_fields = fields


class DependencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Dependency
        fields = (
            "id",
            "dependent_asset_id",
            "dependency_asset_id",
            "dependency_type",
            "created_at",
        )
        read_only_fields = fields


class LineageSerializer(serializers.BaseSerializer):
    """API.md 5.2.16; registrations are grouped per consumer team in the given order.

    ``LineageShape`` documents this body in /openapi.json: keep them in step.
    """

    def to_representation(self, instance: Lineage) -> dict[str, Any]:
        asset = instance.asset
        downstream: dict[Any, dict[str, Any]] = {}
        for registration in instance.registrations:
            team = registration.consumer_team
            group = downstream.setdefault(
                team.id,
                {"team_id": str(team.id), "team_name": team.name, "registrations": []},
            )
            group["registrations"].append(
                {
                    "contract_id": str(registration.contract_id),
                    "status": registration.status,
                    "pinned_version": registration.pinned_version,
                }
            )
        return {
            "asset_id": str(asset.id),
            "asset_fqn": asset.fqn,
            "owner_team_id": str(asset.owner_team_id),
            "owner_team_name": asset.owner_team.name,
            "upstream": [
                _lineage_neighbour(dependency.dependency_asset, dependency)
                for dependency in instance.upstream
            ],
            "downstream": list(downstream.values()),
            "downstream_assets": [
                _lineage_neighbour(dependency.dependent_asset, dependency)
                for dependency in instance.downstream_assets
            ],
        }


def _lineage_neighbour(asset: Asset, dependency: Dependency) -> dict[str, Any]:
    return {
        "asset_id": str(asset.id),
        "asset_fqn": asset.fqn,
        "dependency_type": dependency.dependency_type,
        "owner_team": asset.owner_team.name,
    }


class ImpactAnalysisSerializer(serializers.BaseSerializer):
    """API.md 5.2.12, plus ``asset_id`` and ``is_breaking`` in both variants (EXT-3).

    ``traversal_depth`` is absent when the asset has no active contract, as in the
    reference's fixed safe answer. ``ImpactAnalysisShape`` documents this body in
    /openapi.json: keep them in step.
    """

    def to_representation(self, instance: ImpactAnalysis) -> dict[str, Any]:
        body: dict[str, Any] = {
            "change_type": instance.change_type,
            "breaking_changes": [
                change.to_dict() for change in instance.breaking_changes
            ],
            # Plain dicts, not nested serializers: an answer may list thousands of
            # assets, and DRF fields would cost as much as the whole graph walk.
            "impacted_consumers": [
                {
                    "team_id": str(consumer.team_id),
                    "team_name": consumer.team_name,
                    "status": consumer.status,
                    "pinned_version": consumer.pinned_version,
                    "depth": consumer.depth,
                }
                for consumer in instance.impacted_consumers
            ],
            "impacted_assets": [
                {
                    "asset_id": str(asset.asset_id),
                    "fqn": asset.fqn,
                    "dependency_type": asset.dependency_type,
                    "depth": asset.depth,
                }
                for asset in instance.impacted_assets
            ],
            "safe_to_publish": instance.safe_to_publish,
        }
        if instance.traversal_depth is not None:
            body["traversal_depth"] = instance.traversal_depth
        body["asset_id"] = str(instance.asset_id)
        body["is_breaking"] = not instance.safe_to_publish
        return body


# --- OpenAPI shapes (documentation only: never used to render) -------------------------


class _LineageNeighbourShape(serializers.Serializer):
    asset_id = serializers.UUIDField()
    asset_fqn = serializers.CharField()
    dependency_type = serializers.ChoiceField(choices=DependencyType.choices)
    owner_team = serializers.CharField(help_text="The owner team's name.")


class _LineageRegistrationShape(serializers.Serializer):
    contract_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Registration.Status.choices)
    pinned_version = serializers.CharField(allow_null=True)


class _LineageConsumerShape(serializers.Serializer):
    team_id = serializers.UUIDField()
    team_name = serializers.CharField()
    registrations = _LineageRegistrationShape(many=True)


@extend_schema_serializer(component_name="Lineage")
class LineageShape(serializers.Serializer):
    asset_id = serializers.UUIDField()
    asset_fqn = serializers.CharField()
    owner_team_id = serializers.UUIDField()
    owner_team_name = serializers.CharField()
    upstream = _LineageNeighbourShape(
        many=True, help_text="Assets this asset depends on (one hop)."
    )
    downstream = _LineageConsumerShape(
        many=True,
        help_text="Consumer teams with their registrations (any status) on the "
        "asset's contracts (any status).",
    )
    downstream_assets = _LineageNeighbourShape(
        many=True, help_text="Assets that depend on this asset (one hop)."
    )


class _ImpactedConsumerShape(serializers.Serializer):
    team_id = serializers.UUIDField()
    team_name = serializers.CharField()
    status = serializers.CharField(
        help_text="Always `active`: only active registrations are reported."
    )
    pinned_version = serializers.CharField(allow_null=True)
    depth = serializers.IntegerField(min_value=1)


class _ImpactedAssetShape(serializers.Serializer):
    asset_id = serializers.UUIDField()
    fqn = serializers.CharField()
    dependency_type = serializers.ChoiceField(choices=DependencyType.choices)
    depth = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="ImpactAnalysis")
class ImpactAnalysisShape(serializers.Serializer):
    change_type = change_type_field(
        help_text="`minor` when the asset has no active contract."
    )
    breaking_changes = changes_field(
        "Changes breaking under the current contract's compatibility mode."
    )
    impacted_consumers = _ImpactedConsumerShape(many=True)
    impacted_assets = _ImpactedAssetShape(many=True)
    safe_to_publish = serializers.BooleanField(help_text="`breaking_changes` is empty.")
    traversal_depth = serializers.IntegerField(
        required=False,
        help_text="The depth walked; absent when the asset has no active contract "
        "(nothing is walked).",
    )
    asset_id = serializers.UUIDField()
    is_breaking = serializers.BooleanField(help_text="Not `safe_to_publish`.")


# --- Input ------------------------------------------------------------------------------


class CreateAssetSerializer(serializers.Serializer):
    fqn = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        help_text="3..MAX_FQN_LENGTH (1000) characters: two or more dot-separated "
        "identifiers (`^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$`).",
    )
    owner_team_id = serializers.UUIDField(
        help_text="The caller's team (unless the caller is admin)."
    )
    environment = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        default=_default_environment,
        help_text="1..50 characters; default DEFAULT_ENVIRONMENT (`production`).",
    )
    metadata = serializers.DictField(
        required=False, default=dict, help_text="Any JSON object."
    )

    def validate_fqn(self, value: str) -> str:
        return clean_fqn(value)

    def validate_environment(self, value: str) -> str:
        return clean_environment(value)


class UpdateAssetSerializer(serializers.Serializer):
    """All fields optional; ``null`` means unchanged (API.md 5.2.5)."""

    fqn = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        required=False,
        allow_null=True,
        help_text="Same rules as on creation.",
    )
    owner_team_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="An existing, non-deleted team."
    )
    environment = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        required=False,
        allow_null=True,
        help_text="1..50 characters.",
    )
    metadata = serializers.DictField(
        required=False,
        allow_null=True,
        help_text="Replaces the whole metadata object.",
    )

    def validate_fqn(self, value: str | None) -> str | None:
        return None if value is None else clean_fqn(value)

    def validate_environment(self, value: str | None) -> str | None:
        return None if value is None else clean_environment(value)


class AssetListQuerySerializer(serializers.Serializer):
    owner = serializers.UUIDField(required=False, help_text="The owner team's id.")
    fqn = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Case-insensitive substring of the FQN.",
    )
    environment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Exact environment.",
    )


class AssetSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="Case-insensitive substring of the FQN; at least 1 character.",
    )
    owner = serializers.UUIDField(required=False, help_text="The owner team's id.")
    environment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Exact environment.",
    )

    def validate_q(self, value: str) -> str:
        if not value:
            raise serializers.ValidationError(
                "String should have at least 1 character", code="min_length"
            )
        return value


class CreateDependencySerializer(serializers.Serializer):
    depends_on_asset_id = serializers.UUIDField(help_text="The upstream asset.")
    dependency_type = serializers.ChoiceField(
        choices=DependencyType.choices, default=DependencyType.CONSUMES.value
    )


def impact_query_serializer() -> type[serializers.Serializer]:
    """The ``depth`` parameter, bounded by the settings as they are at call time."""

    class ImpactQuerySerializer(serializers.Serializer):
        depth = serializers.IntegerField(
            min_value=1,
            max_value=settings.IMPACT_DEPTH_MAX,
            default=settings.IMPACT_DEPTH_DEFAULT,
            help_text="How many hops downstream to walk.",
        )

    return ImpactQuerySerializer


def proposed_schema_from(body: Any) -> dict[str, Any]:
    """Return the schema sent to the impact endpoint.

    The body is the schema itself. EXT-2: the original SDK and CLI wrap it as
    ``{"proposed_schema": {...}}``; such a body is unwrapped unless it also carries a
    schema keyword, in which case it is a schema that merely has that key.
    """
    if not isinstance(body, dict):
        raise RequestValidationError.single(
            ("body",),
            "Input should be a valid dictionary",
            type="dict_type",
            input=body,
        )
    wrapped = body.get("proposed_schema")
    if isinstance(wrapped, dict) and not _SCHEMA_KEYWORDS.intersection(body):
        return wrapped
    return body
