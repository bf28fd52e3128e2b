"""Assets, dependencies, lineage and impact analysis (API.md 5.2.1-5.2.7, 5.2.12-5.2.16).

Paths are slash-less and take ids as plain strings, so a malformed UUID is a 422
``uuid_parsing`` (``parse_uuid``) rather than a 404 from the URL resolver. The
``/assets/{id}/contracts...`` routes live in ``contracts/api/contracts.py``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiRequest,
    extend_schema,
)
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.api.serializers.assets import (
    AssetListQuerySerializer,
    AssetSearchQuerySerializer,
    AssetSearchResultSerializer,
    AssetSerializer,
    CreateAssetSerializer,
    CreateDependencySerializer,
    DependencySerializer,
    ImpactAnalysisSerializer,
    ImpactAnalysisShape,
    LineageSerializer,
    LineageShape,
    UpdateAssetSerializer,
    impact_query_serializer,
    proposed_schema_from,
)
from contracts.models import Asset, Dependency
from contracts.services import assets as services
from contracts.services.impact import analyze_impact
from teams.principal import caller
from tessera.api import (
    BodyFirstMixin,
    has_body,
    parse_uuid,
    validate,
    validate_query,
)
from tessera.errors import RequestValidationError
from tessera.openapi import (
    BODY_REQUIRED,
    error_responses,
    page_of,
    page_parameters,
    uuid_path,
)
from tessera.pagination import LimitOffsetPagination

ASSET_ID = uuid_path("asset_id", "The asset's id.")
ASSET_NOT_FOUND = "`NOT_FOUND`: Asset not found."
LIVE_ASSET_NOT_FOUND = "`NOT_FOUND`: Asset not found (absent or soft-deleted)."
DUPLICATE_ASSET = (
    "`DUPLICATE_TEAM` (sic): Asset '<fqn>' already exists in environment '<env>' "
    "(also when a soft-deleted asset holds the pair)."
)
INVALID_SCHEMA = (
    "`INVALID_SCHEMA`: Invalid JSON Schema (envelope, no `detail`); "
    "`error.details.errors` lists the problems."
)


def _asset_id(value: str) -> uuid.UUID:
    return parse_uuid(value, loc=("path", "asset_id"))


def _page(
    view: APIView, request: Request, queryset: QuerySet[Any], serializer: Any
) -> Response:
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return Response(paginator.page(serializer(page, many=True).data))


class AssetListView(BodyFirstMixin, APIView):
    """``GET /assets`` (5.2.2) and ``POST /assets`` (5.2.1)."""

    @extend_schema(
        operation_id="assets_list",
        tags=["assets"],
        summary="List assets",
        description="Non-deleted assets, ordered by FQN.",
        parameters=[AssetListQuerySerializer, *page_parameters()],
        responses={200: page_of(AssetSerializer), **error_responses("read")},
    )
    def get(self, request: Request) -> Response:
        params = validate_query(AssetListQuerySerializer, request)
        queryset = Asset.objects.alive().order_by("fqn", "id")
        if params.get("owner") is not None:
            queryset = queryset.filter(owner_team_id=params["owner"])
        if params.get("fqn"):
            queryset = queryset.filter(fqn__icontains=params["fqn"])
        if params.get("environment"):
            queryset = queryset.filter(environment=params["environment"])
        return _page(self, request, queryset, AssetSerializer)

    @extend_schema(
        operation_id="assets_create",
        tags=["assets"],
        summary="Create an asset",
        description="Creates an asset owned by the caller's team (any team for admin "
        "callers).",
        request=CreateAssetSerializer,
        responses={
            201: AssetSerializer,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only create assets for "
                    "teams you belong to.",
                    404: "`NOT_FOUND`: Owner team not found (absent or soft-deleted).",
                    409: DUPLICATE_ASSET,
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = validate(CreateAssetSerializer, request.data)
        asset = services.create_asset(actor=caller(request), **data)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class AssetSearchView(APIView):
    """``GET /assets/search`` (5.2.3): FQN substring search with the owner team's name."""

    @extend_schema(
        operation_id="assets_search",
        tags=["assets"],
        summary="Search assets by FQN",
        description="Non-deleted assets whose FQN contains `q`, ordered by FQN, with "
        "their owner team's name.",
        parameters=[AssetSearchQuerySerializer, *page_parameters()],
        responses={
            200: page_of(AssetSearchResultSerializer),
            **error_responses("read"),
        },
    )
    def get(self, request: Request) -> Response:
        params = validate_query(AssetSearchQuerySerializer, request)
        queryset = (
            Asset.objects.alive()
            .filter(fqn__icontains=params["q"])
            .select_related("owner_team")
            .order_by("fqn", "id")
        )
        if params.get("owner") is not None:
            queryset = queryset.filter(owner_team_id=params["owner"])
        if params.get("environment"):
            queryset = queryset.filter(environment=params["environment"])
        return _page(self, request, queryset, AssetSearchResultSerializer)


class AssetDetailView(BodyFirstMixin, APIView):
    """``GET``/``PATCH``/``DELETE /assets/{asset_id}`` (5.2.4-5.2.6); deleted assets are 404."""

    @extend_schema(
        operation_id="assets_retrieve",
        tags=["assets"],
        summary="Get an asset",
        description="Soft-deleted assets are not found.",
        parameters=[ASSET_ID],
        responses={
            200: AssetSerializer,
            **error_responses("read", {404: LIVE_ASSET_NOT_FOUND}),
        },
    )
    def get(self, request: Request, asset_id: str) -> Response:
        asset = services.get_asset(_asset_id(asset_id))
        return Response(AssetSerializer(asset).data)

    @extend_schema(
        operation_id="assets_update",
        tags=["assets"],
        summary="Update an asset",
        description="Partial update: absent or `null` fields are left unchanged.",
        parameters=[ASSET_ID],
        request=UpdateAssetSerializer,
        responses={
            200: AssetSerializer,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only update assets "
                    "belonging to your team.",
                    404: [
                        LIVE_ASSET_NOT_FOUND,
                        "`NOT_FOUND`: Owner team not found (new owner absent or "
                        "soft-deleted).",
                    ],
                    409: DUPLICATE_ASSET,
                },
            ),
        },
    )
    def patch(self, request: Request, asset_id: str) -> Response:
        pk = _asset_id(asset_id)
        data = validate(UpdateAssetSerializer, request.data)
        asset = services.update_asset(
            asset=services.get_asset(pk), actor=caller(request), **data
        )
        return Response(AssetSerializer(asset).data)

    @extend_schema(
        operation_id="assets_delete",
        tags=["assets"],
        summary="Delete an asset",
        description="Soft delete. Contracts, registrations, proposals and "
        "dependencies are left untouched.",
        parameters=[ASSET_ID],
        responses={
            204: None,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only delete assets "
                    "belonging to your team.",
                    404: LIVE_ASSET_NOT_FOUND,
                },
            ),
        },
    )
    def delete(self, request: Request, asset_id: str) -> Response:
        services.delete_asset(
            asset=services.get_asset(_asset_id(asset_id)), actor=caller(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssetRestoreView(BodyFirstMixin, APIView):
    """``POST /assets/{asset_id}/restore`` (5.2.7), admin only."""

    required_scopes = {"post": "admin"}

    @extend_schema(
        operation_id="assets_restore",
        tags=["assets"],
        summary="Restore a deleted asset",
        description="Idempotent: restoring an asset that is not deleted returns it "
        "unchanged.",
        parameters=[ASSET_ID],
        request=None,
        responses={
            200: AssetSerializer,
            **error_responses("admin", {404: ASSET_NOT_FOUND}),
        },
    )
    def post(self, request: Request, asset_id: str) -> Response:
        asset = services.get_asset(_asset_id(asset_id), include_deleted=True)
        asset = services.restore_asset(asset=asset, actor=caller(request))
        return Response(AssetSerializer(asset).data)


class AssetImpactView(BodyFirstMixin, APIView):
    """``POST /assets/{asset_id}/impact`` (5.2.12): a read, although it takes a body."""

    required_scopes = {"post": "read"}
    rate_categories = {"post": "read"}

    @extend_schema(
        operation_id="assets_impact",
        tags=["assets"],
        summary="Analyse the impact of a proposed schema",
        description="Diffs the proposed schema against the asset's current active "
        "contract and walks the dependency graph downstream (soft-deleted assets "
        "included). The body is the proposed JSON Schema itself; a body "
        '`{"proposed_schema": {...}}` without any schema keyword (`type`, '
        "`properties`, `$schema`, `items`, `required`, `enum`, `allOf`, `anyOf`, "
        "`oneOf`, `$ref`) is unwrapped. Without an active contract the answer is a "
        "fixed safe one and nothing is walked. Needs only the `read` scope.",
        parameters=[ASSET_ID, impact_query_serializer()],
        request=OpenApiRequest(
            {
                "type": "object",
                "additionalProperties": {},
                "description": "The proposed JSON Schema (Draft 7).",
            },
            examples=[
                OpenApiExample(
                    "Proposed schema",
                    value={
                        "type": "object",
                        "properties": {"id": {"type": "integer"}},
                        "required": ["id"],
                    },
                )
            ],
        ),
        responses={
            200: ImpactAnalysisShape,
            **error_responses(
                "read", {404: ASSET_NOT_FOUND, 422: INVALID_SCHEMA + " Checked first."}
            ),
        },
        extensions=BODY_REQUIRED,
    )
    def post(self, request: Request, asset_id: str) -> Response:
        pk = _asset_id(asset_id)
        params = validate_query(impact_query_serializer(), request)
        if not has_body(request):
            raise RequestValidationError.single(
                ("body",), "Field required", type="missing"
            )
        schema = proposed_schema_from(request.data)
        analysis = analyze_impact(
            asset_id=pk, proposed_schema=schema, depth=params["depth"]
        )
        return Response(ImpactAnalysisSerializer(analysis).data)


class AssetDependencyListView(BodyFirstMixin, APIView):
    """``GET``/``POST /assets/{asset_id}/dependencies`` (5.2.13, 5.2.14)."""

    @extend_schema(
        operation_id="assets_list_dependencies",
        tags=["assets"],
        summary="List an asset's dependencies",
        description="The upstream assets this asset depends on, oldest first. "
        "Soft-deleted assets are served.",
        parameters=[ASSET_ID, *page_parameters()],
        responses={
            200: page_of(DependencySerializer),
            **error_responses("read", {404: ASSET_NOT_FOUND}),
        },
    )
    def get(self, request: Request, asset_id: str) -> Response:
        pk = _asset_id(asset_id)
        LimitOffsetPagination().page_params(
            request
        )  # a bad limit is a 422 before the 404
        asset = services.get_asset(pk, include_deleted=True)
        queryset = Dependency.objects.filter(dependent_asset=asset).order_by(
            "created_at", "id"
        )
        return _page(self, request, queryset, DependencySerializer)

    @extend_schema(
        operation_id="assets_add_dependency",
        tags=["assets"],
        summary="Add a dependency",
        description="Records that the asset reads from `depends_on_asset_id`. Cycles "
        "between different assets are allowed.",
        parameters=[ASSET_ID],
        request=CreateDependencySerializer,
        responses={
            201: DependencySerializer,
            **error_responses(
                "write",
                {
                    400: [
                        "Asset cannot depend on itself.",
                        "Dependency already exists (same pair, whatever the type).",
                    ],
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only add dependencies "
                    "to assets belonging to your team.",
                    404: [ASSET_NOT_FOUND, "`NOT_FOUND`: Dependency asset not found."],
                },
            ),
        },
    )
    def post(self, request: Request, asset_id: str) -> Response:
        pk = _asset_id(asset_id)
        data = validate(CreateDependencySerializer, request.data)
        asset = services.get_asset(pk, include_deleted=True)
        dependency = services.add_dependency(asset=asset, actor=caller(request), **data)
        return Response(
            DependencySerializer(dependency).data, status=status.HTTP_201_CREATED
        )


class AssetDependencyDetailView(BodyFirstMixin, APIView):
    """``DELETE /assets/{asset_id}/dependencies/{dependency_id}`` (5.2.15)."""

    @extend_schema(
        operation_id="assets_remove_dependency",
        tags=["assets"],
        summary="Remove a dependency",
        description="Hard delete.",
        parameters=[ASSET_ID, uuid_path("dependency_id", "The dependency's id.")],
        responses={
            204: None,
            **error_responses(
                "write",
                {
                    403: "`INSUFFICIENT_PERMISSIONS`: You can only remove "
                    "dependencies from assets belonging to your team.",
                    404: "`NOT_FOUND`: Dependency not found (no such dependency of "
                    "this asset).",
                },
            ),
        },
    )
    def delete(self, request: Request, asset_id: str, dependency_id: str) -> Response:
        pk = _asset_id(asset_id)
        dependency_pk = parse_uuid(dependency_id, loc=("path", "dependency_id"))
        dependency = services.get_dependency(asset_id=pk, dependency_id=dependency_pk)
        services.remove_dependency(dependency=dependency, actor=caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssetLineageView(APIView):
    """``GET /assets/{asset_id}/lineage`` (5.2.16): one hop each way."""

    @extend_schema(
        operation_id="assets_lineage",
        tags=["assets"],
        summary="Get an asset's lineage",
        description="Direct (one-hop) upstream and downstream assets and the consumer "
        "teams. Soft-deleted assets are served.",
        parameters=[ASSET_ID],
        responses={
            200: LineageShape,
            **error_responses("read", {404: ASSET_NOT_FOUND}),
        },
    )
    def get(self, request: Request, asset_id: str) -> Response:
        lineage = services.get_lineage(_asset_id(asset_id))
        return Response(LineageSerializer(lineage).data)


# "assets/search" precedes "assets/<asset_id>" so it is not read as an id.
urlpatterns = [
    path("assets", AssetListView.as_view(), name="asset-list"),
    path("assets/search", AssetSearchView.as_view(), name="asset-search"),
    path("assets/<str:asset_id>", AssetDetailView.as_view(), name="asset-detail"),
    path(
        "assets/<str:asset_id>/restore",
        AssetRestoreView.as_view(),
        name="asset-restore",
    ),
    path(
        "assets/<str:asset_id>/impact", AssetImpactView.as_view(), name="asset-impact"
    ),
    path(
        "assets/<str:asset_id>/dependencies",
        AssetDependencyListView.as_view(),
        name="asset-dependency-list",
    ),
    path(
        "assets/<str:asset_id>/dependencies/<str:dependency_id>",
        AssetDependencyDetailView.as_view(),
        name="asset-dependency-detail",
    ),
    path(
        "assets/<str:asset_id>/lineage",
        AssetLineageView.as_view(),
        name="asset-lineage",
    ),
]
