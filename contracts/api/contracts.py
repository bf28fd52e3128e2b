"""Contracts, registrations, proposals and schema validation (API.md 5.2.8-5.2.11, 5.3-5.6).

Views validate input, call a service and render; the order of business checks and
their messages lives in the services.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiRequest,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.api.serializers.contracts import (
    CompareContractsSerializer,
    ContractBriefSerializer,
    ContractDetailSerializer,
    ContractListQuerySerializer,
    ContractSerializer,
    CreateRegistrationQuerySerializer,
    CreateRegistrationSerializer,
    HistoryEntrySerializer,
    PublishContractSerializer,
    PublishQuerySerializer,
    RegistrationListQuerySerializer,
    RegistrationSerializer,
    UpdateRegistrationSerializer,
    VersionDiffQuerySerializer,
    change_type_field,
    changes_field,
    compatibility_mode_field,
)
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
from contracts.errors import (
    AssetNotFoundError,
    ContractNotFoundError,
    ProposalNotFoundError,
    RegistrationNotFoundError,
)
from contracts.models import Asset, Contract, Proposal, Registration
from contracts.schema_validation import schema_errors
from contracts.services import proposals, publishing, registrations
from contracts.services.publishing import (
    FORCE_WARNING,
    PROPOSAL_MESSAGE,
    ContractComparison,
    PublishAction,
    PublishResult,
)
from teams.principal import Principal
from tessera.api import BodyFirstMixin, parse_uuid, validate, validate_query
from tessera.errors import RequestValidationError
from tessera.openapi import (
    BODY_REQUIRED,
    ClosedSerializer,
    error_responses,
    page_of,
    page_parameters,
    shape,
    uuid_path,
)
from tessera.pagination import FixedLimitOffsetPagination

PUBLISHED_MESSAGE = "Contract published"  # EXT-7: the SDK requires a message


def caller(request: Request) -> Principal:
    """The authenticated caller: teams.authentication sets a Principal as ``request.user``."""
    return cast(Principal, request.user)


def _missing(loc: list[str]) -> RequestValidationError:
    return RequestValidationError.single(
        loc, "Field required", type="missing", input=None
    )


def request_body(request: Request) -> Any:
    """The parsed JSON body; an absent one is a 422 ``missing`` at ``["body"]``."""
    data = request.data
    # DRF leaves no stream for an empty body (and then reports ``{}`` as the data).
    if request.stream is None:
        raise _missing(["body"])
    return data


def render_comparison(comparison: ContractComparison) -> dict[str, Any]:
    return {
        "change_type": comparison.diff.change_type,
        "is_compatible": comparison.is_compatible,
        "breaking_changes": [
            change.to_dict() for change in comparison.breaking_changes
        ],
        "all_changes": [change.to_dict() for change in comparison.diff.changes],
        "compatibility_mode": comparison.mode,
    }


def render_publish(result: PublishResult) -> dict[str, Any]:
    """The four bodies of API.md 5.2.8 (with EXT-7's ``message`` on direct publishes)."""
    body: dict[str, Any] = {"action": result.action.value}
    if result.change_type is not None:
        body["change_type"] = result.change_type
    breaking = [change.to_dict() for change in result.breaking_changes]
    if result.action == PublishAction.PROPOSAL_CREATED:
        body["breaking_changes"] = breaking
        body["proposal"] = ProposalSerializer(result.proposal).data
        body["message"] = PROPOSAL_MESSAGE
        return body
    if result.action == PublishAction.FORCE_PUBLISHED:
        body["breaking_changes"] = breaking
    body["contract"] = ContractSerializer(result.contract).data
    if result.action == PublishAction.FORCE_PUBLISHED:
        body["warning"] = FORCE_WARNING
    body["message"] = PUBLISHED_MESSAGE
    return body


# --- OpenAPI shapes of the rendered dicts (documentation only) -----------------------
# Keep them in step with render_comparison(), render_publish() and the views below.


def _constant(value: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[value])


def _message(text: str) -> serializers.CharField:
    return serializers.CharField(help_text=f"`{text}`")


@extend_schema_serializer(component_name="PublishResultFirst")
class _PublishedFirstShape(ClosedSerializer):
    """(a) First contract of the asset: published, no `change_type`."""

    action = _constant(PublishAction.PUBLISHED.value)
    contract = ContractSerializer()
    message = _message(PUBLISHED_MESSAGE)


@extend_schema_serializer(component_name="PublishResultPublished")
class _PublishedShape(serializers.Serializer):
    """(b) A change that is not breaking under the current contract's mode."""

    action = _constant(PublishAction.PUBLISHED.value)
    change_type = change_type_field()
    contract = ContractSerializer()
    message = _message(PUBLISHED_MESSAGE)


@extend_schema_serializer(component_name="PublishResultForcePublished")
class _ForcePublishedShape(serializers.Serializer):
    """(c) A breaking change published anyway (`force`)."""

    action = _constant(PublishAction.FORCE_PUBLISHED.value)
    change_type = change_type_field()
    breaking_changes = changes_field("Breaking under the current contract's mode.")
    contract = ContractSerializer()
    warning = _message(FORCE_WARNING)
    message = _message(PUBLISHED_MESSAGE)


@extend_schema_serializer(component_name="PublishResultProposalCreated")
class _ProposalCreatedShape(serializers.Serializer):
    """(d) A breaking change, not forced: no contract; a pending proposal instead."""

    action = _constant(PublishAction.PROPOSAL_CREATED.value)
    change_type = change_type_field()
    breaking_changes = changes_field("Breaking under the current contract's mode.")
    proposal = ProposalSerializer()
    message = _message(PROPOSAL_MESSAGE)


PUBLISH_RESULT = PolymorphicProxySerializer(
    component_name="PublishResult",
    serializers=[
        _PublishedFirstShape,
        _PublishedShape,
        _ForcePublishedShape,
        _ProposalCreatedShape,
    ],
    resource_type_field_name=None,
)


class _ComparisonFields(serializers.Serializer):
    change_type = change_type_field()
    is_compatible = serializers.BooleanField(
        help_text="No change is breaking under `compatibility_mode`."
    )
    breaking_changes = changes_field("Breaking under `compatibility_mode`.")
    all_changes = changes_field("Every difference found.")


@extend_schema_serializer(component_name="ContractComparison")
class _ComparisonShape(_ComparisonFields):
    contract_1 = ContractBriefSerializer(help_text="The old side.")
    contract_2 = ContractBriefSerializer(help_text="The new side.")
    compatibility_mode = compatibility_mode_field(
        help_text="The mode applied: the request's, else contract 1's."
    )


@extend_schema_serializer(component_name="VersionDiff")
class _VersionDiffShape(_ComparisonFields):
    asset_id = serializers.UUIDField()
    asset_fqn = serializers.CharField()
    from_version = serializers.CharField()
    to_version = serializers.CharField()
    compatibility_mode = compatibility_mode_field(
        help_text="The mode of the `from` contract."
    )
    is_breaking = serializers.BooleanField(help_text="Not `is_compatible`.")


@extend_schema_serializer(component_name="ContractHistory")
class _HistoryShape(serializers.Serializer):
    asset_id = serializers.UUIDField()
    asset_fqn = serializers.CharField()
    contracts = HistoryEntrySerializer(many=True, help_text="Newest first.")


@extend_schema_serializer(component_name="ProposalPublishResult")
class _ProposalPublishShape(serializers.Serializer):
    action = _constant(PublishAction.PUBLISHED.value)
    proposal_id = serializers.UUIDField()
    contract = ContractSerializer()
    deprecated_contract_id = serializers.UUIDField(
        allow_null=True, help_text="The contract that was current, now deprecated."
    )


# A field named "errors" would shadow Serializer.errors: declared as a mapping.
_SchemaValidationShape = shape(
    "SchemaValidationResult",
    {
        "valid": serializers.BooleanField(),
        "errors": serializers.ListField(
            child=serializers.CharField(),
            help_text='`"<path>: <message>"` per problem.',
        ),
    },
)


JSON_SCHEMA_BODY = {
    "type": "object",
    "additionalProperties": {},
    "description": "A JSON Schema (Draft 7).",
}
SCHEMA_EXAMPLE = OpenApiExample(
    "Schema",
    value={
        "type": "object",
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
        "required": ["id"],
    },
)
ASSET_ID = uuid_path("asset_id", "The asset's id.")
CONTRACT_ID = uuid_path("contract_id", "The contract's id.")
REGISTRATION_ID = uuid_path("registration_id", "The registration's id.")
PROPOSAL_ID = uuid_path("proposal_id", "The proposal's id.")
CONTRACT_NOT_FOUND = (
    "`CONTRACT_NOT_FOUND`: Contract with ID '<id>' not found "
    '(`details: {"contract_id": "<id>"}`).'
)
REGISTRATION_NOT_FOUND = "`NOT_FOUND`: Registration not found."
PROPOSAL_NOT_FOUND = "`NOT_FOUND`: Proposal not found."
NOT_PENDING = "Proposal is not pending."
DUPLICATE_VERSION = (
    "`DUPLICATE_CONTRACT_VERSION`: Contract version '<version>' already exists for "
    "this asset."
)
PUBLISH_DESCRIPTION = """Publishes `schema` as a new contract version of the asset, or opens a proposal when
the change breaks consumers. The result is always `201`, with one of four bodies
(`action`):

- (a) the asset's first contract: `published`, without `change_type`;
- (b) a change that is not breaking under the current contract's
  `compatibility_mode`: `published`;
- (c) a breaking change with `force`: `force_published`, with the `breaking_changes`
  and a `warning`;
- (d) a breaking change without `force`: `proposal_created`, with the pending
  `proposal`; no contract is created.

In (a)-(c) the new contract is `active` and the previous current contract becomes
`deprecated`.
"""


# --- /assets/{asset_id}/contracts ----------------------------------------------------


class AssetContractViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = ContractSerializer

    def asset_id(self) -> uuid.UUID:
        return parse_uuid(self.kwargs["asset_id"], loc=("path", "asset_id"))

    def get_asset(self) -> Asset:
        # Reads serve soft-deleted assets, as the reference does.
        asset = Asset.objects.filter(pk=self.asset_id()).first()
        if asset is None:
            raise AssetNotFoundError()
        return asset

    @extend_schema(
        operation_id="assets_list_contracts",
        tags=["assets"],
        summary="List an asset's contracts",
        description="Every contract of the asset, any status, newest first (schema "
        "under `schema_def`). An unknown or deleted asset gives a page, not a 404.",
        parameters=[ASSET_ID, *page_parameters()],
        responses={200: page_of(ContractSerializer), **error_responses("read")},
    )
    def list(self, request: Request, asset_id: str) -> Response:
        # No 404: an unknown or deleted asset has an empty (or normal) page.
        queryset = Contract.objects.filter(asset_id=self.asset_id()).order_by(
            "-published_at", "-id"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ContractSerializer(page, many=True).data)

    @extend_schema(
        operation_id="assets_publish_contract",
        tags=["assets"],
        summary="Publish a contract",
        description=PUBLISH_DESCRIPTION,
        parameters=[ASSET_ID, PublishQuerySerializer],
        request=OpenApiRequest(
            PublishContractSerializer,
            examples=[
                OpenApiExample(
                    "Publish",
                    value={
                        "version": "1.0.0",
                        "schema": SCHEMA_EXAMPLE.value,
                        "compatibility_mode": "backward",
                        "guarantees": {"freshness": {"max_staleness_minutes": 60}},
                    },
                )
            ],
        ),
        responses={
            201: OpenApiResponse(
                PUBLISH_RESULT, description="Published, or a proposal was created."
            ),
            **error_responses(
                "write",
                {
                    403: [
                        "`INSUFFICIENT_PERMISSIONS`: You can only publish contracts "
                        "for assets belonging to your team.",
                        "`INSUFFICIENT_PERMISSIONS`: You can only publish contracts "
                        "on behalf of your own team.",
                    ],
                    404: [
                        "`NOT_FOUND`: Asset not found (absent or soft-deleted).",
                        "`NOT_FOUND`: Publisher team not found.",
                    ],
                    409: DUPLICATE_VERSION,
                    422: [
                        "A missing `published_by` (query and body) is a `detail` item "
                        'at `["query", "published_by"]`.',
                        "`INVALID_SCHEMA`: Invalid JSON Schema (envelope, no "
                        "`detail`); `error.details.errors` lists the problems.",
                    ],
                },
            ),
        },
    )
    def publish(self, request: Request, asset_id: str) -> Response:
        asset_uuid = self.asset_id()
        query = validate_query(PublishQuerySerializer, request)
        body = validate(PublishContractSerializer, request_body(request))
        # EXT-6: the query wins; the CLI names the publisher and force in the body.
        published_by = (
            query.get("published_by")
            or body.get("published_by")
            or body.get("publisher_team_id")
        )
        if published_by is None:
            raise _missing(["query", "published_by"])
        force = query["force"] if "force" in query else bool(body.get("force"))
        result = publishing.publish_contract(
            asset_id=asset_uuid,
            version=body["version"],
            schema=body["schema"],
            published_by=published_by,
            compatibility_mode=body["compatibility_mode"],
            guarantees=body["guarantees"],
            force=force,
            actor=caller(request),
        )
        return Response(render_publish(result), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="assets_contract_history",
        tags=["assets"],
        summary="Contract history of an asset",
        description="Every contract of the asset, newest first, each diffed against "
        "the next older one. Soft-deleted assets are served. Query parameters are "
        "ignored.",
        parameters=[ASSET_ID],
        responses={
            200: _HistoryShape,
            **error_responses("read", {404: "`NOT_FOUND`: Asset not found."}),
        },
    )
    def history(self, request: Request, asset_id: str) -> Response:
        asset = self.get_asset()
        # One query for every contract; the diffs run in Python.
        contracts = list(asset.contracts.order_by("-published_at", "-id"))
        entries = publishing.contract_history(contracts)
        return Response(
            {
                "asset_id": str(asset.id),
                "asset_fqn": asset.fqn,
                "contracts": HistoryEntrySerializer(entries, many=True).data,
            }
        )

    @extend_schema(
        operation_id="assets_diff_contracts",
        tags=["assets"],
        summary="Diff two contract versions of an asset",
        description="Old = `from_version`, new = `to_version`, judged under the "
        "`from` contract's compatibility mode.",
        parameters=[ASSET_ID, VersionDiffQuerySerializer],
        responses={
            200: _VersionDiffShape,
            **error_responses(
                "read",
                {
                    404: [
                        "`NOT_FOUND`: Asset not found.",
                        "`NOT_FOUND`: Contract version '<version>' not found for "
                        "this asset.",
                    ]
                },
            ),
        },
    )
    def diff(self, request: Request, asset_id: str) -> Response:
        self.asset_id()  # a malformed id is a 422 before the query is checked
        params = validate_query(VersionDiffQuerySerializer, request)
        asset = self.get_asset()
        comparison = publishing.diff_versions(
            asset, from_version=params["from_version"], to_version=params["to_version"]
        )
        body = {
            "asset_id": str(asset.id),
            "asset_fqn": asset.fqn,
            "from_version": params["from_version"],
            "to_version": params["to_version"],
            **render_comparison(comparison),
        }
        body["is_breaking"] = not comparison.is_compatible  # EXT-3
        return Response(body)


# --- /contracts ------------------------------------------------------------------------


class ContractViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = ContractSerializer
    # Comparing is a read, though it is a POST (API.md 5.0).
    required_scopes = {"compare": "read"}

    def get_contract(self) -> Contract:
        contract_id = parse_uuid(
            self.kwargs["contract_id"], loc=("path", "contract_id")
        )
        contract = Contract.objects.filter(pk=contract_id).first()
        if contract is None:
            raise ContractNotFoundError(contract_id)
        return contract

    @extend_schema(
        operation_id="contracts_list",
        tags=["contracts"],
        summary="List contracts",
        description="Newest first (schema under `schema_def`).",
        parameters=[ContractListQuerySerializer, *page_parameters()],
        responses={200: page_of(ContractSerializer), **error_responses("read")},
    )
    def list(self, request: Request) -> Response:
        params = validate_query(ContractListQuerySerializer, request)
        queryset = Contract.objects.order_by("-published_at", "-id")
        if params.get("asset_id") is not None:
            queryset = queryset.filter(asset_id=params["asset_id"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("version"):
            queryset = queryset.filter(version__icontains=params["version"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ContractSerializer(page, many=True).data)

    @extend_schema(
        operation_id="contracts_compare",
        tags=["contracts"],
        summary="Compare two contracts",
        description="Diffs any two contracts (they may belong to different assets): "
        "old = `contract_id_1`, new = `contract_id_2`. Needs only the `read` scope.",
        request=CompareContractsSerializer,
        responses={
            200: _ComparisonShape,
            **error_responses(
                "read", {404: CONTRACT_NOT_FOUND + " Contract 1 is checked first."}
            ),
        },
    )
    def compare(self, request: Request) -> Response:
        data = validate(CompareContractsSerializer, request_body(request))
        wanted = (data["contract_id_1"], data["contract_id_2"])
        found = {
            contract.id: contract for contract in Contract.objects.filter(pk__in=wanted)
        }
        for contract_id in wanted:  # contract 1 is reported first
            if contract_id not in found:
                raise ContractNotFoundError(contract_id)
        old, new = found[wanted[0]], found[wanted[1]]
        comparison = publishing.compare_contracts(
            old, new, mode=data.get("compatibility_mode")
        )
        return Response(
            {
                "contract_1": ContractBriefSerializer(old).data,
                "contract_2": ContractBriefSerializer(new).data,
                **render_comparison(comparison),
            }
        )

    @extend_schema(
        operation_id="contracts_retrieve",
        tags=["contracts"],
        summary="Get a contract",
        description="The schema is under `schema` here (lists and publish results "
        "use `schema_def`). Contracts of soft-deleted assets are served.",
        parameters=[CONTRACT_ID],
        responses={
            200: ContractDetailSerializer,
            **error_responses("read", {404: CONTRACT_NOT_FOUND}),
        },
    )
    def retrieve(self, request: Request, contract_id: str) -> Response:
        return Response(ContractDetailSerializer(self.get_contract()).data)

    @extend_schema(
        operation_id="contracts_list_registrations",
        tags=["contracts"],
        summary="List a contract's registrations",
        description="Registrations of any status, newest first.",
        parameters=[CONTRACT_ID, *page_parameters()],
        responses={
            200: page_of(RegistrationSerializer),
            **error_responses("read", {404: CONTRACT_NOT_FOUND}),
        },
    )
    def registrations(self, request: Request, contract_id: str) -> Response:
        contract = self.get_contract()
        queryset = Registration.objects.filter(contract=contract).order_by(
            "-registered_at", "-id"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)


# --- /registrations --------------------------------------------------------------------


class RegistrationViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    serializer_class = RegistrationSerializer

    def registration_id(self) -> uuid.UUID:
        return parse_uuid(
            self.kwargs["registration_id"], loc=("path", "registration_id")
        )

    @extend_schema(
        operation_id="registrations_list",
        tags=["registrations"],
        summary="List registrations",
        description="Newest first.",
        parameters=[RegistrationListQuerySerializer, *page_parameters()],
        responses={200: page_of(RegistrationSerializer), **error_responses("read")},
    )
    def list(self, request: Request) -> Response:
        params = validate_query(RegistrationListQuerySerializer, request)
        queryset = Registration.objects.order_by("-registered_at", "-id")
        for field in ("consumer_team_id", "contract_id", "status"):
            if params.get(field):
                queryset = queryset.filter(**{field: params[field]})
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="registrations_create",
        tags=["registrations"],
        summary="Register as a consumer",
        description="Registers the caller's team on a contract (named by the "
        "`contract_id` query parameter, or by the body's `asset_id`: that asset's "
        "current active contract). Repeated registrations create new rows.",
        parameters=[CreateRegistrationQuerySerializer],
        request=CreateRegistrationSerializer,
        responses={
            201: RegistrationSerializer,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only register for "
                    "contracts on behalf of your own team.",
                    404: [
                        "`NOT_FOUND`: Contract not found.",
                        "`NOT_FOUND`: Consumer team not found.",
                    ],
                    422: "Neither `contract_id` nor `asset_id`: a `detail` item at "
                    '`["query", "contract_id"]`.',
                },
            ),
        },
    )
    def create(self, request: Request) -> Response:
        query = validate_query(CreateRegistrationQuerySerializer, request)
        body = validate(CreateRegistrationSerializer, request_body(request))
        contract_id = query.get("contract_id")
        asset_id = body.get("asset_id")
        if contract_id is None and asset_id is None:
            raise _missing(["query", "contract_id"])
        registration = registrations.create_registration(
            contract_id=contract_id,
            # EXT-4: without contract_id, the asset's current contract.
            asset_id=asset_id if contract_id is None else None,
            consumer_team_id=body["consumer_team_id"],
            pinned_version=body.get("pinned_version"),
            actor=caller(request),
        )
        return Response(
            RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        operation_id="registrations_retrieve",
        tags=["registrations"],
        summary="Get a registration",
        description="One registration by id.",
        parameters=[REGISTRATION_ID],
        responses={
            200: RegistrationSerializer,
            **error_responses("read", {404: REGISTRATION_NOT_FOUND}),
        },
    )
    def retrieve(self, request: Request, registration_id: str) -> Response:
        registration = Registration.objects.filter(pk=self.registration_id()).first()
        if registration is None:
            raise RegistrationNotFoundError()
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(
        operation_id="registrations_update",
        tags=["registrations"],
        summary="Update a registration",
        description="Partial update: absent or `null` fields are left unchanged (a "
        "pin cannot be cleared). A body is required, even `{}`.",
        parameters=[REGISTRATION_ID],
        request=UpdateRegistrationSerializer,
        responses={
            200: RegistrationSerializer,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only update "
                    "registrations belonging to your team.",
                    404: REGISTRATION_NOT_FOUND,
                },
            ),
        },
        extensions=BODY_REQUIRED,
    )
    def partial_update(self, request: Request, registration_id: str) -> Response:
        registration_uuid = self.registration_id()
        data = validate(UpdateRegistrationSerializer, request_body(request))
        registration = registrations.update_registration(
            registration_id=registration_uuid,
            pinned_version=data.get("pinned_version"),
            status=data.get("status"),
            actor=caller(request),
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(
        operation_id="registrations_delete",
        tags=["registrations"],
        summary="Delete a registration",
        description="Hard delete.",
        parameters=[REGISTRATION_ID],
        responses={
            204: None,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only delete "
                    "registrations belonging to your team.",
                    404: REGISTRATION_NOT_FOUND,
                },
            ),
        },
    )
    def destroy(self, request: Request, registration_id: str) -> Response:
        registrations.delete_registration(
            registration_id=self.registration_id(), actor=caller(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        body = request.data if request.stream is not None else {}
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


# --- /schemas/validate -----------------------------------------------------------------


class SchemaValidateView(APIView):
    """Meta-validate a JSON Schema. No authentication at all (API.md 5.6.1)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="schemas_validate",
        tags=["schemas"],
        summary="Validate a JSON Schema",
        description="Checks the body against the Draft 7 meta-schema. No credentials. "
        "Always `200` for a JSON object; size and property limits are not applied.",
        request=OpenApiRequest(JSON_SCHEMA_BODY, examples=[SCHEMA_EXAMPLE]),
        responses={
            200: _SchemaValidationShape,
            **error_responses(
                None, {422: "A body that is not a JSON object (`dict_type`)."}
            ),
        },
        extensions=BODY_REQUIRED,
    )
    def post(self, request: Request) -> Response:
        schema = request_body(request)
        if not isinstance(schema, dict):
            raise RequestValidationError.single(
                ["body"],
                "Input should be a valid dictionary",
                type="dict_type",
                input=schema,
            )
        errors = schema_errors(schema)
        return Response({"valid": not errors, "errors": errors})


def _route(view: type[viewsets.GenericViewSet], **actions: Any) -> Any:
    return view.as_view(actions)


urlpatterns = [
    path(
        "assets/<str:asset_id>/contracts",
        _route(AssetContractViewSet, get="list", post="publish"),
        name="asset-contracts",
    ),
    path(
        "assets/<str:asset_id>/contracts/history",
        _route(AssetContractViewSet, get="history"),
        name="asset-contract-history",
    ),
    path(
        "assets/<str:asset_id>/contracts/diff",
        _route(AssetContractViewSet, get="diff"),
        name="asset-contract-diff",
    ),
    path("contracts", _route(ContractViewSet, get="list"), name="contracts"),
    # Before contracts/<contract_id>: "compare" is not an id.
    path(
        "contracts/compare",
        _route(ContractViewSet, post="compare"),
        name="contract-compare",
    ),
    path(
        "contracts/<str:contract_id>",
        _route(ContractViewSet, get="retrieve"),
        name="contract-detail",
    ),
    path(
        "contracts/<str:contract_id>/registrations",
        _route(ContractViewSet, get="registrations"),
        name="contract-registrations",
    ),
    path(
        "registrations",
        _route(RegistrationViewSet, get="list", post="create"),
        name="registrations",
    ),
    path(
        "registrations/<str:registration_id>",
        _route(
            RegistrationViewSet,
            get="retrieve",
            patch="partial_update",
            delete="destroy",
        ),
        name="registration-detail",
    ),
    path("proposals", _route(ProposalViewSet, get="list"), name="proposals"),
    path(
        "proposals/<str:proposal_id>",
        _route(ProposalViewSet, get="retrieve"),
        name="proposal-detail",
    ),
    path(
        "proposals/<str:proposal_id>/status",
        _route(ProposalViewSet, get="consumer_status"),
        name="proposal-status",
    ),
    path(
        "proposals/<str:proposal_id>/acknowledge",
        _route(ProposalViewSet, post="acknowledge"),
        name="proposal-acknowledge",
    ),
    path(
        "proposals/<str:proposal_id>/publish",
        _route(ProposalViewSet, post="publish"),
        name="proposal-publish",
    ),
    path(
        "proposals/<str:proposal_id>/withdraw",
        _route(ProposalTransitionViewSet, post="withdraw"),
        name="proposal-withdraw",
    ),
    path(
        "proposals/<str:proposal_id>/force",
        _route(ProposalTransitionViewSet, post="force"),
        name="proposal-force",
    ),
    path("schemas/validate", SchemaValidateView.as_view(), name="schema-validate"),
]
