"""Contracts and schema validation (API.md 5.2.8-5.2.11, 5.3, 5.6).

Views validate input, call a service and render; the order of business checks and
their messages lives in the services.
"""

from __future__ import annotations

import uuid
from typing import Any

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
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.api.serializers.contracts import (
    CompareContractsSerializer,
    ContractBriefSerializer,
    ContractDetailSerializer,
    ContractListQuerySerializer,
    ContractSerializer,
    HistoryEntrySerializer,
    PublishContractSerializer,
    PublishQuerySerializer,
    RegistrationSerializer,
    VersionDiffQuerySerializer,
    change_type_field,
    changes_field,
    compatibility_mode_field,
)
from contracts.api.serializers.proposals import ProposalSerializer
from contracts.errors import (
    AssetNotFoundError,
    ContractNotFoundError,
)
from contracts.models import Asset, Contract, Registration
from contracts.schema_validation import schema_errors
from contracts.services import publishing
from contracts.services.publishing import (
    FORCE_WARNING,
    PROPOSAL_MESSAGE,
    ContractComparison,
    PublishAction,
    PublishResult,
)
from teams.principal import caller
from tessera.api import (
    BodyFirstMixin,
    missing_field,
    parse_uuid,
    request_body,
    route,
    validate,
    validate_query,
)
from tessera.errors import RequestValidationError
from tessera.openapi import (
    BODY_REQUIRED,
    ClosedSerializer,
    constant,
    error_responses,
    page_of,
    page_parameters,
    shape,
    uuid_path,
)

PUBLISHED_MESSAGE = "Contract published"  # EXT-7: the SDK requires a message


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


def _message(text: str) -> serializers.CharField:
    return serializers.CharField(help_text=f"`{text}`")


@extend_schema_serializer(component_name="PublishResultFirst")
class _PublishedFirstShape(ClosedSerializer):
    """(a) First contract of the asset: published, no `change_type`."""

    action = constant(PublishAction.PUBLISHED.value)
    contract = ContractSerializer()
    message = _message(PUBLISHED_MESSAGE)


@extend_schema_serializer(component_name="PublishResultPublished")
class _PublishedShape(serializers.Serializer):
    """(b) A change that is not breaking under the current contract's mode."""

    action = constant(PublishAction.PUBLISHED.value)
    change_type = change_type_field()
    contract = ContractSerializer()
    message = _message(PUBLISHED_MESSAGE)


@extend_schema_serializer(component_name="PublishResultForcePublished")
class _ForcePublishedShape(serializers.Serializer):
    """(c) A breaking change published anyway (`force`)."""

    action = constant(PublishAction.FORCE_PUBLISHED.value)
    change_type = change_type_field()
    breaking_changes = changes_field("Breaking under the current contract's mode.")
    contract = ContractSerializer()
    warning = _message(FORCE_WARNING)
    message = _message(PUBLISHED_MESSAGE)


@extend_schema_serializer(component_name="PublishResultProposalCreated")
class _ProposalCreatedShape(serializers.Serializer):
    """(d) A breaking change, not forced: no contract; a pending proposal instead."""

    action = constant(PublishAction.PROPOSAL_CREATED.value)
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
CONTRACT_NOT_FOUND = (
    "`CONTRACT_NOT_FOUND`: Contract with ID '<id>' not found "
    '(`details: {"contract_id": "<id>"}`).'
)
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
            raise missing_field(["query", "published_by"])
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
    rate_categories = {"compare": "read"}

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


# --- /schemas/validate -----------------------------------------------------------------


class SchemaValidateView(APIView):
    """Meta-validate a JSON Schema. No authentication at all (API.md 5.6.1)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    rate_category = "global"  # limited per client IP

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


urlpatterns = [
    path(
        "assets/<str:asset_id>/contracts",
        route(AssetContractViewSet, get="list", post="publish"),
        name="asset-contracts",
    ),
    path(
        "assets/<str:asset_id>/contracts/history",
        route(AssetContractViewSet, get="history"),
        name="asset-contract-history",
    ),
    path(
        "assets/<str:asset_id>/contracts/diff",
        route(AssetContractViewSet, get="diff"),
        name="asset-contract-diff",
    ),
    path("contracts", route(ContractViewSet, get="list"), name="contracts"),
    path(
        "contracts/compare",
        route(ContractViewSet, post="compare"),
        name="contract-compare",
    ),
    path(
        "contracts/<str:contract_id>",
        route(ContractViewSet, get="retrieve"),
        name="contract-detail",
    ),
    path(
        "contracts/<str:contract_id>/registrations",
        route(ContractViewSet, get="registrations"),
        name="contract-registrations",
    ),
    path("schemas/validate", SchemaValidateView.as_view(), name="schema-validate"),
]
