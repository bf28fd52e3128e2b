"""JSON shapes of proposals and acknowledgments (API.md 4.6, 4.8, 5.5)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contracts.api.serializers.contracts import VersionField, enum_message
from contracts.models import Acknowledgment, Proposal


class ReducedBreakingChangesField(serializers.Field):
    """Breaking changes as the full proposal object shows them (API.md 4.6).

    The reference reduces each change to ``{"type", "column": null, "details": {}}``;
    ``details`` here carries the full stored change (a harmless extension), so
    clients reading only ``type`` see the reference shape.
    """

    def to_representation(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {"type": change.get("type"), "column": None, "details": dict(change)}
            for change in value or []
        ]


class ProposalSerializer(serializers.ModelSerializer):
    asset_id = serializers.UUIDField(read_only=True)
    breaking_changes = ReducedBreakingChangesField(read_only=True)

    class Meta:
        model = Proposal
        fields = (
            "id",
            "asset_id",
            "proposed_schema",
            "change_type",
            "breaking_changes",
            "status",
            "proposed_by",
            "proposed_at",
            "resolved_at",
        )
        read_only_fields = fields


class ProposalSummarySerializer(serializers.ModelSerializer):
    """A row of ``GET /proposals``; the counts come from ``with_summary_counts()``."""

    asset_id = serializers.UUIDField(read_only=True)
    asset_fqn = serializers.CharField(source="asset.fqn", read_only=True)
    breaking_changes_count = serializers.SerializerMethodField()
    acknowledgment_count = serializers.IntegerField(read_only=True)
    total_consumers = serializers.IntegerField(read_only=True)

    class Meta:
        model = Proposal
        fields = (
            "id",
            "asset_id",
            "asset_fqn",
            "status",
            "change_type",
            "breaking_changes_count",
            "proposed_by",
            "proposed_at",
            "acknowledgment_count",
            "total_consumers",
        )
        read_only_fields = fields

    def get_breaking_changes_count(self, proposal: Proposal) -> int:
        # The stored list is on the row already: no query.
        return len(proposal.breaking_changes or [])


class AcknowledgmentSerializer(serializers.ModelSerializer):
    proposal_id = serializers.UUIDField(read_only=True)
    consumer_team_id = serializers.UUIDField(read_only=True)
    # EXT-9: the SDK reads the answer's time under this name.
    acknowledged_at = serializers.DateTimeField(source="responded_at", read_only=True)

    class Meta:
        model = Acknowledgment
        fields = (
            "id",
            "proposal_id",
            "consumer_team_id",
            "response",
            "migration_deadline",
            "notes",
            "responded_at",
            "acknowledged_at",
        )
        read_only_fields = fields


class StatusAcknowledgmentSerializer(serializers.ModelSerializer):
    consumer_team_name = serializers.CharField(
        source="consumer_team.name", read_only=True
    )
    consumer_team_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Acknowledgment
        fields = (
            "consumer_team_id",
            "consumer_team_name",
            "response",
            "responded_at",
            "notes",
        )
        read_only_fields = fields


class PendingConsumerSerializer(serializers.Serializer):
    team_id = serializers.UUIDField()
    team_name = serializers.CharField()
    registered_at = serializers.DateTimeField()


class ProposalStatusSerializer(serializers.Serializer):
    """``GET /proposals/{id}/status`` (API.md 5.5.3), with the EXT-11 counters."""

    def to_representation(self, status: Any) -> dict[str, Any]:
        proposal = status.proposal
        date = serializers.DateTimeField()
        return {
            "proposal_id": str(proposal.id),
            "status": proposal.status,
            "asset_fqn": proposal.asset.fqn,
            "change_type": proposal.change_type,
            "breaking_changes": list(proposal.breaking_changes or []),
            "proposed_by": {
                "team_id": str(proposal.proposed_by),
                "team_name": status.proposer_name,
            },
            "proposed_at": date.to_representation(proposal.proposed_at),
            "resolved_at": date.to_representation(proposal.resolved_at)
            if proposal.resolved_at
            else None,
            "consumers": {
                "total": status.total,
                "acknowledged": status.acknowledged,
                "pending": status.pending,
                "blocked": status.blocked,
            },
            "acknowledgments": StatusAcknowledgmentSerializer(
                status.acknowledgments, many=True
            ).data,
            "pending_consumers": PendingConsumerSerializer(
                status.pending_consumers, many=True
            ).data,
            "pending_count": status.pending,
            "acknowledged_count": status.acknowledged,
            "can_publish": status.can_publish,
        }


# --- In ------------------------------------------------------------------------------


class ProposalListQuerySerializer(serializers.Serializer):
    asset_id = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(
        choices=Proposal.Status.values,
        required=False,
        error_messages={"invalid_choice": enum_message(Proposal.Status.values)},
    )
    proposed_by = serializers.UUIDField(required=False)


class AcknowledgeProposalSerializer(serializers.Serializer):
    """The body of ``POST /proposals/{id}/acknowledge``; feeds ``acknowledge_proposal()``."""

    consumer_team_id = serializers.UUIDField()
    response = serializers.ChoiceField(
        choices=Acknowledgment.Response.values,
        error_messages={"invalid_choice": enum_message(Acknowledgment.Response.values)},
    )
    migration_deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(
        max_length=2000,
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        default=None,
        error_messages={
            "max_length": "String should have at most {max_length} characters"
        },
    )


class ForceProposalQuerySerializer(serializers.Serializer):
    # Optional: EXT-10 falls back to body ``actor_team_id``, then the caller's team.
    actor_id = serializers.UUIDField(required=False)


class ForceProposalBodySerializer(serializers.Serializer):
    actor_team_id = serializers.UUIDField(required=False, allow_null=True)


class PublishProposalSerializer(serializers.Serializer):
    """The body of ``POST /proposals/{id}/publish``; the version is checked up front."""

    version = VersionField(min_length=5, max_length=50)
    published_by = serializers.UUIDField(required=False, allow_null=True)
    # EXT-10: the CLI names the publisher ``publisher_team_id``.
    publisher_team_id = serializers.UUIDField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        publisher = attrs.get("published_by") or attrs.get("publisher_team_id")
        if publisher is None:
            raise serializers.ValidationError(
                {
                    "published_by": [
                        serializers.ErrorDetail("Field required", code="required")
                    ]
                }
            )
        return {"version": attrs["version"], "published_by": publisher}
