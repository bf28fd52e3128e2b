"""JSON shapes of the sync endpoints (API.md 5.7): git push/pull and dbt."""

from __future__ import annotations

from rest_framework import serializers

from contracts.api.serializers.contracts import change_type_field, changes_field
from tessera.openapi import shape

# --- In ----------------------------------------------------------------------------------


class SyncDbtQuerySerializer(serializers.Serializer):
    manifest_path = serializers.CharField(
        trim_whitespace=False,
        help_text="Path of a `manifest.json` on the **server's** filesystem.",
    )
    owner_team_id = serializers.UUIDField(help_text="Owner of the assets created.")


class DbtImpactSerializer(serializers.Serializer):
    manifest = serializers.DictField(help_text="The whole dbt `manifest.json`.")
    owner_team_id = serializers.UUIDField(help_text="Required, but unused.")


# --- Out (documentation only: the views render dicts) -------------------------------------


def success_field() -> serializers.CharField:
    # A plain string: a one-value ``status`` enum would collide with the impact's.
    return serializers.CharField(help_text="Always `success`.")


SyncCountsShape = shape(
    "SyncCounts",
    {
        "teams": serializers.IntegerField(),
        "assets": serializers.IntegerField(),
        "contracts": serializers.IntegerField(),
    },
)
SyncPushShape = shape(
    "SyncPushResult",
    {
        "status": success_field(),
        "path": serializers.CharField(
            help_text="The server directory (GIT_SYNC_PATH)."
        ),
        "exported": SyncCountsShape(help_text="Files written (contracts: entries)."),
    },
)
SyncPullShape = shape(
    "SyncPullResult",
    {
        "status": success_field(),
        "path": serializers.CharField(
            help_text="The server directory (GIT_SYNC_PATH)."
        ),
        "imported": SyncCountsShape(
            help_text="Entries upserted (registrations are not counted)."
        ),
    },
)
DbtSyncShape = shape(
    "DbtSyncResult",
    {
        "status": success_field(),
        "manifest": serializers.CharField(help_text="The `manifest_path` given."),
        "assets": shape(
            "DbtSyncCounts",
            {
                "created": serializers.IntegerField(),
                "updated": serializers.IntegerField(),
            },
        )(),
    },
)
_ModelImpactShape = shape(
    "DbtModelImpact",
    {
        "fqn": serializers.CharField(help_text="`<database>.<schema>.<name>`, lower."),
        "node_id": serializers.CharField(help_text="The manifest key."),
        "has_contract": serializers.BooleanField(),
        "safe_to_publish": serializers.BooleanField(),
        "change_type": change_type_field(allow_null=True),
        "breaking_changes": changes_field(
            "Changes breaking under the contract's compatibility mode."
        ),
    },
)
DbtImpactShape = shape(
    "DbtImpactResult",
    {
        "status": serializers.ChoiceField(
            choices=["success", "breaking_changes_detected"],
            help_text="`breaking_changes_detected` when a model is not safe.",
        ),
        "total_models": serializers.IntegerField(),
        "models_with_contracts": serializers.IntegerField(),
        "breaking_changes_count": serializers.IntegerField(
            help_text="Models that are not safe to publish (not individual changes)."
        ),
        "results": _ModelImpactShape(many=True),
    },
)
