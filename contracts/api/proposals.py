"""Proposals and acknowledgments (API.md 5.5)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.contracts import DUPLICATE_VERSION
from contracts.api.serializers.contracts import ContractSerializer
from contracts.api.serializers.proposals import (
    AcknowledgeProposalSerializer,
    AcknowledgmentSerializer,
    ForceProposalBodySerializer,
    ForceProposalQuerySerializer,
    ProposalListQuerySerializer,
    ProposalSerializer,
    ProposalStatusSerializer,
    ProposalStatusShape,
    ProposalSummarySerializer,
    PublishProposalSerializer,
)
from contracts.errors import ProposalNotFoundError
from contracts.models import Proposal
from contracts.services import proposals, publishing
from contracts.services.publishing import PublishAction
from teams.principal import caller
from tessera.api import (
    BodyFirstMixin,
    has_body,
    parse_uuid,
    request_body,
    route,
    validate,
    validate_query,
)
from tessera.openapi import (
    constant,
    error_responses,
    page_of,
    page_parameters,
    uuid_path,
)
from tessera.pagination import FixedLimitOffsetPagination

PROPOSAL_ID = uuid_path("proposal_id", "The proposal's id.")
PROPOSAL_NOT_FOUND = "`NOT_FOUND`: Proposal not found."
NOT_PENDING = "Proposal is not pending."


@extend_schema_serializer(component_name="ProposalPublishResult")
class _ProposalPublishShape(serializers.Serializer):
    action = constant(PublishAction.PUBLISHED.value)
    proposal_id = serializers.UUIDField()
    contract = ContractSerializer()
    deprecated_contract_id = serializers.UUIDField(
        allow_null=True, help_text="The contract that was current, now deprecated."
    )


# --- /proposals ------------------------------------------------------------------------


def _proposal_id(view: viewsets.GenericViewSet) -> uuid.UUID:
    return parse_uuid(view.kwargs["proposal_id"], loc=("path", "proposal_id"))


class ProposalViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = ProposalSerializer
    pagination_class = FixedLimitOffsetPagination  # fixed 50/100 (API.md 4.1)

    def get_proposal(self, queryset: QuerySet[Proposal] | None = None) -> Proposal:
        if queryset is None:
            queryset = Proposal.objects.all()
        proposal = queryset.filter(pk=_proposal_id(self)).first()
        if proposal is None:
            raise ProposalNotFoundError()
        return proposal

    @extend_schema(
        operation_id="proposals_list",
        tags=["proposals"],
        summary="List proposals",
        description="Newest first, as summaries (not the full proposal object). "
        "Fixed page bounds: default 50, at most 100.",
        parameters=[ProposalListQuerySerializer, *page_parameters(fixed=True)],
        responses={
            200: page_of(ProposalSummarySerializer),
            **error_responses("read"),
        },
    )
    def list(self, request: Request) -> Response:
        params = validate_query(ProposalListQuerySerializer, request)
        queryset = Proposal.objects.order_by("-proposed_at", "-id")
        for field in ("asset_id", "status", "proposed_by"):
            if params.get(field):
                queryset = queryset.filter(**{field: params[field]})
        page = self.paginate_queryset(proposals.with_summary_counts(queryset))
        return self.get_paginated_response(
            ProposalSummarySerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="proposals_retrieve",
        tags=["proposals"],
        summary="Get a proposal",
        description="The full proposal; each breaking change is reduced to "
        "`{type, column, details}`.",
        parameters=[PROPOSAL_ID],
        responses={
            200: ProposalSerializer,
            **error_responses("read", {404: PROPOSAL_NOT_FOUND}),
        },
    )
    def retrieve(self, request: Request, proposal_id: str) -> Response:
        return Response(ProposalSerializer(self.get_proposal()).data)

    @extend_schema(
        operation_id="proposals_status",
        tags=["proposals"],
        summary="Consumer status of a proposal",
        description="Who has acknowledged and who is still pending, computed at "
        "request time from the active registrations on the asset's current contract.",
        parameters=[PROPOSAL_ID],
        responses={
            200: ProposalStatusShape,
            **error_responses("read", {404: PROPOSAL_NOT_FOUND}),
        },
    )
    def consumer_status(self, request: Request, proposal_id: str) -> Response:
        proposal = self.get_proposal(Proposal.objects.select_related("asset"))
        return Response(
            ProposalStatusSerializer(proposals.proposal_status(proposal)).data
        )

    @extend_schema(
        operation_id="proposals_acknowledge",
        tags=["proposals"],
        summary="Acknowledge a proposal",
        description="Records a consumer team's answer. `blocked` rejects the "
        "proposal; once every registered consumer has answered otherwise, it is "
        "approved. The team need not be a registered consumer.",
        parameters=[PROPOSAL_ID],
        request=AcknowledgeProposalSerializer,
        responses={
            201: AcknowledgmentSerializer,
            **error_responses(
                "write",
                {
                    400: [
                        NOT_PENDING,
                        "This team has already acknowledged this proposal.",
                    ],
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only acknowledge "
                    "proposals on behalf of your own team.",
                    404: [PROPOSAL_NOT_FOUND, "`NOT_FOUND`: Consumer team not found."],
                },
            ),
        },
    )
    def acknowledge(self, request: Request, proposal_id: str) -> Response:
        proposal_uuid = _proposal_id(self)
        data = validate(AcknowledgeProposalSerializer, request_body(request))
        acknowledgment = proposals.acknowledge_proposal(
            proposal_id=proposal_uuid, actor=caller(request), **data
        )
        return Response(
            AcknowledgmentSerializer(acknowledgment).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="proposals_publish",
        tags=["proposals"],
        summary="Publish an approved proposal",
        description="Creates a contract from the proposal's schema (mode and "
        "guarantees copied from the current contract) and deprecates the current "
        "one. A proposal publishes at most once. `200`, not `201`.",
        parameters=[PROPOSAL_ID],
        request=PublishProposalSerializer,
        responses={
            200: _ProposalPublishShape,
            **error_responses(
                "write",
                {
                    400: [
                        "Cannot publish from proposal with status '<status>'. "
                        "Proposal must be approved first.",
                        "Proposal has already been published.",
                        "Invalid schema in proposal: Invalid JSON Schema: <errors>.",
                    ],
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only publish on "
                    "behalf of your own team.",
                    404: [
                        PROPOSAL_NOT_FOUND,
                        "`NOT_FOUND`: Asset not found (absent or soft-deleted).",
                        "`NOT_FOUND`: Publisher team not found.",
                    ],
                    409: DUPLICATE_VERSION,
                },
            ),
        },
    )
    def publish(self, request: Request, proposal_id: str) -> Response:
        proposal_uuid = _proposal_id(self)
        # No body at all is fine here: the original SDK publishes without one.
        body = request.data if has_body(request) else {}
        data = validate(PublishProposalSerializer, body)
        result = publishing.publish_proposal(
            proposal_id=proposal_uuid, actor=caller(request), **data
        )
        deprecated = result.deprecated_contract
        return Response(
            {
                "action": "published",
                "proposal_id": str(proposal_uuid),
                "contract": ContractSerializer(result.contract).data,
                "deprecated_contract_id": str(deprecated.id) if deprecated else None,
            }
        )


class ProposalTransitionViewSet(viewsets.GenericViewSet):
    """Withdraw and force: neither takes a required body, so none is parsed up front.

    Withdraw ignores any body; force reads ``actor_team_id`` from one only when the
    query has no ``actor_id`` (EXT-10), and ignores a body that is not JSON.
    """

    serializer_class = ProposalSerializer

    @extend_schema(
        operation_id="proposals_withdraw",
        tags=["proposals"],
        summary="Withdraw a proposal",
        description="Only the proposing team; any body is ignored.",
        parameters=[PROPOSAL_ID],
        request=None,
        responses={
            200: ProposalSerializer,
            **error_responses(
                "write",
                {
                    400: NOT_PENDING,
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only withdraw your "
                    "own proposals.",
                    404: PROPOSAL_NOT_FOUND,
                },
            ),
        },
    )
    def withdraw(self, request: Request, proposal_id: str) -> Response:
        proposal = proposals.withdraw_proposal(
            proposal_id=_proposal_id(self), actor=caller(request)
        )
        return Response(ProposalSerializer(proposal).data)

    @extend_schema(
        operation_id="proposals_force_approve",
        tags=["proposals"],
        summary="Force-approve a proposal",
        description="Approves a pending proposal without waiting for consumers (its "
        "status reads `approved`). The actor must be the caller's team; it need not "
        "own the proposal. The body is optional and read only without `actor_id`.",
        parameters=[PROPOSAL_ID, ForceProposalQuerySerializer],
        request=ForceProposalBodySerializer,
        responses={
            200: ProposalSerializer,
            **error_responses(
                "write",
                {
                    400: NOT_PENDING,
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only force approve on "
                    "behalf of your own team.",
                    404: PROPOSAL_NOT_FOUND,
                },
            ),
        },
    )
    def force(self, request: Request, proposal_id: str) -> Response:
        proposal_uuid = _proposal_id(self)
        query = validate_query(ForceProposalQuerySerializer, request)
        actor_team_id = query.get("actor_id")
        if actor_team_id is None:
            body = validate(ForceProposalBodySerializer, self.lenient_body(request))
            actor_team_id = body.get("actor_team_id") or caller(request).team_id
        proposal = proposals.force_approve_proposal(
            proposal_id=proposal_uuid,
            actor_team_id=actor_team_id,
            actor=caller(request),
        )
        return Response(ProposalSerializer(proposal).data)

    @staticmethod
    def lenient_body(request: Request) -> dict[str, Any]:
        try:
            data = request.data
        except ParseError:
            return {}
        return data if isinstance(data, dict) else {}


urlpatterns = [
    path("proposals", route(ProposalViewSet, get="list"), name="proposals"),
    path(
        "proposals/<str:proposal_id>",
        route(ProposalViewSet, get="retrieve"),
        name="proposal-detail",
    ),
    path(
        "proposals/<str:proposal_id>/status",
        route(ProposalViewSet, get="consumer_status"),
        name="proposal-status",
    ),
    path(
        "proposals/<str:proposal_id>/acknowledge",
        route(ProposalViewSet, post="acknowledge"),
        name="proposal-acknowledge",
    ),
    path(
        "proposals/<str:proposal_id>/publish",
        route(ProposalViewSet, post="publish"),
        name="proposal-publish",
    ),
    path(
        "proposals/<str:proposal_id>/withdraw",
        route(ProposalTransitionViewSet, post="withdraw"),
        name="proposal-withdraw",
    ),
    path(
        "proposals/<str:proposal_id>/force",
        route(ProposalTransitionViewSet, post="force"),
        name="proposal-force",
    ),
]
