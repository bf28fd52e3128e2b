"""JSON shapes of proposals and acknowledgments (API.md 4.6, 4.8, 5.5)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from contracts.api.serializers.contracts import (
    CHANGE_KINDS,
    VersionField,
    change_type_field,
    changes_field,
    enum_message,
)
from contracts.models import Acknowledgment, Proposal
from tessera.openapi import JsonObjectField


@extend_schema_serializer(component_name="ReducedChange")
class ReducedChangeShape(serializers.Serializer):
    """A breaking change as the proposal object shows it (OpenAPI only)."""

    type = serializers.ChoiceField(choices=CHANGE_KINDS, help_text="The change kind.")
    column = serializers.CharField(allow_null=True, help_text="Always `null`.")
    details = serializers.DictField(
        help_text="The full `Change` object (an extension; the reference sends `{}`)."
    )


@extend_schema_field(ReducedChangeShape(many=True))
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
    proposed_schema = JsonObjectField(read_only=True)
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
    """``GET /proposals/{id}/status`` (API.md 5.5.3), with the EXT-11 counters.

    ``ProposalStatusShape`` documents this body in /openapi.json: keep them in step.
    """

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


# --- OpenAPI shapes (documentation only: never used to render) -------------------------


class _ProposerShape(serializers.Serializer):
    team_id = serializers.UUIDField()
    team_name = serializers.CharField(help_text="`Unknown` if the team row is gone.")


class _ConsumerCountsShape(serializers.Serializer):
    total = serializers.IntegerField(
        help_text="Teams with an active registration on the asset's current contract."
    )
    acknowledged = serializers.IntegerField(help_text="Acknowledgments received.")
    pending = serializers.IntegerField(help_text="Registered teams yet to answer.")
    blocked = serializers.IntegerField(help_text="Acknowledgments that block.")


@extend_schema_serializer(component_name="ProposalStatus")
class ProposalStatusShape(serializers.Serializer):
    proposal_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Proposal.Status.choices)
    asset_fqn = serializers.CharField()
    change_type = change_type_field()
    breaking_changes = changes_field("The full stored change objects.")
    proposed_by = _ProposerShape()
    proposed_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    consumers = _ConsumerCountsShape(help_text="Counted at request time.")
    acknowledgments = StatusAcknowledgmentSerializer(many=True)
    pending_consumers = PendingConsumerSerializer(many=True)
    pending_count = serializers.IntegerField(help_text="Same as `consumers.pending`.")
    acknowledged_count = serializers.IntegerField(
        help_text="Same as `consumers.acknowledged`."
    )
    can_publish = serializers.BooleanField(help_text="Approved and not yet published.")


# --- In ------------------------------------------------------------------------------


class ProposalListQuerySerializer(serializers.Serializer):
    asset_id = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(
        choices=Proposal.Status.values,
        required=False,
        error_messages={"invalid_choice": enum_message(Proposal.Status.values)},
    )
    proposed_by = serializers.UUIDField(required=False, help_text="The proposing team.")


class AcknowledgeProposalSerializer(serializers.Serializer):
    """The body of ``POST /proposals/{id}/acknowledge``; feeds ``acknowledge_proposal()``."""

    consumer_team_id = serializers.UUIDField()
    response = serializers.ChoiceField(
        choices=Acknowledgment.Response.choices,
        error_messages={"invalid_choice": enum_message(Acknowledgment.Response.values)},
    )
    migration_deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="ISO 8601."
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
    actor_id = serializers.UUIDField(
        required=False,
        help_text="The team forcing the approval; must be the caller's team. "
        "Default: the body's `actor_team_id`, else the caller's team.",
    )


class ForceProposalBodySerializer(serializers.Serializer):
    actor_team_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Used when the `actor_id` query parameter is absent.",
    )


class PublishProposalSerializer(serializers.Serializer):
    """The body of ``POST /proposals/{id}/publish``; the version is checked up front.

    Both fields may be left out (the original SDK sends no body): the version then is
    the one requested when the proposal was opened, the publisher its proposer.
    """

    version = VersionField(
        min_length=5,
        max_length=50,
        required=False,
        allow_null=True,
        help_text="Semantic version of the new contract. Defaults to the version "
        "requested by the publish that opened the proposal.",
    )
    published_by = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The publishing team (the caller's). Defaults to the proposal's "
        "proposer; `publisher_team_id` is an alias.",
    )
    # EXT-10: the CLI names the publisher ``publisher_team_id``.
    publisher_team_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Alias of `published_by`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        publisher = attrs.get("published_by") or attrs.get("publisher_team_id")
        return {"version": attrs.get("version"), "published_by": publisher}
