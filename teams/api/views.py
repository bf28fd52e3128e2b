"""Teams (API.md 5.1) and API keys (API.md 5.8)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from teams import services
from teams.api.serializers import (
    ApiKeyListQuerySerializer,
    ApiKeySerializer,
    CreateApiKeySerializer,
    CreatedApiKeySerializer,
    CreateTeamSerializer,
    TeamListQuerySerializer,
    TeamSerializer,
    UpdateTeamSerializer,
)
from teams.errors import (
    InsufficientScopeError,
    InvalidAuthHeaderError,
    MissingApiKeyError,
)
from teams.models import ApiKey, Team
from teams.principal import caller
from tessera.api import BodyFirstMixin, parse_uuid, validate, validate_query
from tessera.errors import ErrorCode, ForbiddenError, NotFoundError
from tessera.openapi import (
    ANY_SCOPE,
    error_responses,
    page_of,
    page_parameters,
    shape,
    uuid_path,
)

TEAM_ID = uuid_path("team_id", "The team's id.")
KEY_ID = uuid_path("key_id", "The API key's id.")
TEAM_NOT_FOUND = "`NOT_FOUND`: Team not found (absent or soft-deleted)."
DUPLICATE_NAME = "`DUPLICATE_TEAM`: Team with name '<name>' already exists."
TEAM_UPDATE: dict[str, Any] = {
    "tags": ["teams"],
    "parameters": [TEAM_ID],
    "request": UpdateTeamSerializer,
    "responses": {
        200: TeamSerializer,
        **error_responses("admin", {404: TEAM_NOT_FOUND, 409: DUPLICATE_NAME}),
    },
}


class TeamViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    """Teams: create, list, read, update, soft-delete and restore (API.md 5.1)."""

    serializer_class = TeamSerializer
    lookup_url_kwarg = "team_id"
    lookup_value_regex = "[^/]+"
    required_scopes = {
        "create": "admin",
        "update": "admin",
        "partial_update": "admin",
        "destroy": "admin",
        "restore": "admin",
    }
    # The bootstrap key may create the first team before any team exists.
    teamless_actions = frozenset({"create"})

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if self.action != "create":
            super().initial(request, *args, **kwargs)
            return
        # Team creation words its auth errors differently (API.md 2.3, special case).
        try:
            super().initial(request, *args, **kwargs)
        except MissingApiKeyError:
            raise MissingApiKeyError("Authorization required") from None
        except InvalidAuthHeaderError:
            raise InvalidAuthHeaderError("Use 'Bearer <key>' format") from None
        except InsufficientScopeError:
            raise InsufficientScopeError("admin", "Admin scope required") from None

    def get_queryset(self) -> Any:
        return Team.objects.alive().order_by("name", "id")

    def get_team(self, *, include_deleted: bool = False) -> Team:
        team_id = parse_uuid(self.kwargs["team_id"], loc=("path", "team_id"))
        queryset = Team.objects.all() if include_deleted else Team.objects.alive()
        team = queryset.filter(pk=team_id).first()
        if team is None:
            raise NotFoundError("Team not found")
        return team

    @extend_schema(
        operation_id="teams_list",
        tags=["teams"],
        summary="List teams",
        description="Non-deleted teams, ordered by name.",
        parameters=[TeamListQuerySerializer, *page_parameters()],
        responses={200: page_of(TeamSerializer), **error_responses("read")},
    )
    def list(self, request: Request) -> Response:
        params = validate_query(TeamListQuerySerializer, request)
        queryset = self.get_queryset()
        if params.get("name"):
            queryset = queryset.filter(name__icontains=params["name"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TeamSerializer(page, many=True).data)

    @extend_schema(
        operation_id="teams_create",
        tags=["teams"],
        summary="Create a team",
        description="Needs the `admin` scope, the bootstrap key (even before any team "
        "exists), or `AUTH_DISABLED`. The stored name is the trimmed one.",
        request=CreateTeamSerializer,
        responses={
            201: TeamSerializer,
            **error_responses(
                None,
                {
                    401: [
                        "`MISSING_API_KEY`: Authorization required.",
                        "`INVALID_AUTH_HEADER`: Use 'Bearer <key>' format.",
                        "`INVALID_API_KEY`: unknown, revoked or expired key.",
                    ],
                    403: "`INSUFFICIENT_SCOPE`: Admin scope required.",
                    409: DUPLICATE_NAME + " Soft-deleted teams keep their name.",
                },
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = validate(CreateTeamSerializer, request.data)
        team = services.create_team(actor=caller(request), **data)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="teams_retrieve",
        tags=["teams"],
        summary="Get a team",
        description="Soft-deleted teams are not found.",
        parameters=[TEAM_ID],
        responses={
            200: TeamSerializer,
            **error_responses("read", {404: TEAM_NOT_FOUND}),
        },
    )
    def retrieve(self, request: Request, team_id: str) -> Response:
        return Response(TeamSerializer(self.get_team()).data)

    @extend_schema(
        operation_id="teams_partial_update",
        summary="Update a team",
        description="Partial update: absent or `null` fields are left unchanged.",
        **TEAM_UPDATE,
    )
    def partial_update(self, request: Request, team_id: str) -> Response:
        data = validate(UpdateTeamSerializer, request.data)
        team = services.update_team(team=self.get_team(), actor=caller(request), **data)
        return Response(TeamSerializer(team).data)

    @extend_schema(
        operation_id="teams_update",
        summary="Update a team (PUT)",
        description="Same partial-update semantics as `PATCH`: absent or `null` "
        "fields are left unchanged.",
        **TEAM_UPDATE,
    )
    def update(self, request: Request, team_id: str) -> Response:
        # PUT has the same partial-update semantics as PATCH (API.md 5.1.4).
        return self.partial_update(request, team_id)

    @extend_schema(
        operation_id="teams_delete",
        tags=["teams"],
        summary="Delete a team",
        description="Soft delete. The team's assets, registrations and API keys are "
        "left untouched.",
        parameters=[TEAM_ID],
        responses={
            204: None,
            **error_responses("admin", {404: TEAM_NOT_FOUND}),
        },
    )
    def destroy(self, request: Request, team_id: str) -> Response:
        services.delete_team(team=self.get_team(), actor=caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="teams_restore",
        tags=["teams"],
        summary="Restore a deleted team",
        description="Idempotent: restoring a team that is not deleted returns it "
        "unchanged.",
        parameters=[TEAM_ID],
        request=None,
        responses={
            200: TeamSerializer,
            **error_responses("admin", {404: "`NOT_FOUND`: Team not found."}),
        },
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, team_id: str) -> Response:
        team = services.restore_team(
            team=self.get_team(include_deleted=True), actor=caller(request)
        )
        return Response(TeamSerializer(team).data)


class ApiKeyViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    """API keys: create (the secret is shown once), list, read and revoke (API.md 5.8)."""

    serializer_class = ApiKeySerializer
    pagination_class = None
    lookup_url_kwarg = "key_id"
    lookup_value_regex = "[^/]+"
    # Listing and viewing need a valid credential but no particular scope.
    required_scopes = {
        "create": "admin",
        "destroy": "admin",
        "list": "",
        "retrieve": "",
    }
    rate_category = "admin"  # all four, reads included (API.md 5.0)

    def get_key(self) -> ApiKey:
        key_id = parse_uuid(self.kwargs["key_id"], loc=("path", "key_id"))
        key = ApiKey.objects.filter(pk=key_id).first()
        if key is None:
            raise NotFoundError(f"API key {key_id} not found")
        return key

    @extend_schema(
        operation_id="api_keys_create",
        tags=["api-keys"],
        summary="Create an API key",
        description="The response is the only place the secret `key` is ever shown.",
        request=CreateApiKeySerializer,
        responses={
            201: CreatedApiKeySerializer,
            **error_responses("admin", {404: "`NOT_FOUND`: Team <team_id> not found."}),
        },
    )
    def create(self, request: Request) -> Response:
        data = validate(CreateApiKeySerializer, request.data)
        team_id = data.pop("team_id", None) or caller(request).team_id  # EXT-5
        team = Team.objects.alive().filter(pk=team_id).first() if team_id else None
        if team is None:
            raise NotFoundError(f"Team {team_id} not found")
        key, raw = services.create_api_key(team=team, actor=caller(request), **data)
        body = CreatedApiKeySerializer(key, context={"raw_key": raw}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="api_keys_list",
        tags=["api-keys"],
        summary="List API keys",
        description="Any valid credential. Callers without `admin` see only their own "
        "team's keys. Newest first; not paginated.",
        parameters=[ApiKeyListQuerySerializer],
        responses={
            200: shape("ApiKeyList", {"keys": ApiKeySerializer(many=True)}),
            **error_responses(ANY_SCOPE),
        },
    )
    def list(self, request: Request) -> Response:
        params = validate_query(ApiKeyListQuerySerializer, request)
        queryset = ApiKey.objects.order_by("-created_at", "-id")
        team_id = params.get("team_id")
        if not caller(request).is_admin:
            team_id = caller(request).team_id  # non-admins only ever see their own keys
        if team_id is not None:
            queryset = queryset.filter(team_id=team_id)
        if not params["include_revoked"]:
            queryset = queryset.filter(revoked_at__isnull=True)
        return Response({"keys": ApiKeySerializer(queryset, many=True).data})

    @extend_schema(
        operation_id="api_keys_retrieve",
        tags=["api-keys"],
        summary="Get an API key",
        description="Any valid credential; callers without `admin` only for their own "
        "team's keys.",
        parameters=[KEY_ID],
        responses={
            200: ApiKeySerializer,
            **error_responses(
                ANY_SCOPE,
                {
                    403: "`FORBIDDEN`: Cannot view keys for other teams.",
                    404: "`NOT_FOUND`: API key <key_id> not found.",
                },
            ),
        },
    )
    def retrieve(self, request: Request, key_id: str) -> Response:
        key = self.get_key()
        if not caller(request).owns(key.team_id):
            raise ForbiddenError(
                "Cannot view keys for other teams", code=ErrorCode.FORBIDDEN
            )
        return Response(ApiKeySerializer(key).data)

    @extend_schema(
        operation_id="api_keys_revoke",
        tags=["api-keys"],
        summary="Revoke an API key",
        description="Sets `revoked_at` (kept if already set) and returns the key: "
        "`200`, not `204`. Idempotent.",
        parameters=[KEY_ID],
        responses={
            200: ApiKeySerializer,
            **error_responses(
                "admin", {404: "`NOT_FOUND`: API key <key_id> not found."}
            ),
        },
    )
    def destroy(self, request: Request, key_id: str) -> Response:
        key = services.revoke_api_key(key=self.get_key(), actor=caller(request))
        return Response(ApiKeySerializer(key).data)
