"""Teams (API.md 5.1) and API keys (API.md 5.8)."""

from __future__ import annotations

from typing import Any, cast

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
from teams.principal import Principal
from tessera.api import BodyFirstMixin, parse_uuid, validate, validate_query
from tessera.errors import ErrorCode, ForbiddenError, NotFoundError


def caller(request: Request) -> Principal:
    """The authenticated caller: teams.authentication sets a Principal as ``request.user``."""
    return cast(Principal, request.user)


class TeamViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    """Teams: create, list, read, update, soft-delete and restore (API.md 5.1)."""

    serializer_class = TeamSerializer
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
        team_id = parse_uuid(self.kwargs["pk"], loc=("path", "team_id"))
        queryset = Team.objects.all() if include_deleted else Team.objects.alive()
        team = queryset.filter(pk=team_id).first()
        if team is None:
            raise NotFoundError("Team not found")
        return team

    def list(self, request: Request) -> Response:
        params = validate_query(TeamListQuerySerializer, request)
        queryset = self.get_queryset()
        if params.get("name"):
            queryset = queryset.filter(name__icontains=params["name"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TeamSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = validate(CreateTeamSerializer, request.data)
        team = services.create_team(actor=caller(request), **data)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TeamSerializer(self.get_team()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = validate(UpdateTeamSerializer, request.data)
        team = services.update_team(team=self.get_team(), actor=caller(request), **data)
        return Response(TeamSerializer(team).data)

    # PUT has the same partial-update semantics as PATCH (API.md 5.1.4).
    update = partial_update

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_team(team=self.get_team(), actor=caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        team = services.restore_team(
            team=self.get_team(include_deleted=True), actor=caller(request)
        )
        return Response(TeamSerializer(team).data)


class ApiKeyViewSet(BodyFirstMixin, viewsets.GenericViewSet):
    """API keys: create (the secret is shown once), list, read and revoke (API.md 5.8)."""

    serializer_class = ApiKeySerializer
    pagination_class = None
    lookup_value_regex = "[^/]+"
    # Listing and viewing need a valid credential but no particular scope.
    required_scopes = {
        "create": "admin",
        "destroy": "admin",
        "list": "",
        "retrieve": "",
    }

    def get_key(self) -> ApiKey:
        key_id = parse_uuid(self.kwargs["pk"], loc=("path", "key_id"))
        key = ApiKey.objects.filter(pk=key_id).first()
        if key is None:
            raise NotFoundError(f"API key {key_id} not found")
        return key

    def create(self, request: Request) -> Response:
        data = validate(CreateApiKeySerializer, request.data)
        team_id = data.pop("team_id", None) or caller(request).team_id  # EXT-5
        team = Team.objects.alive().filter(pk=team_id).first() if team_id else None
        if team is None:
            raise NotFoundError(f"Team {team_id} not found")
        key, raw = services.create_api_key(team=team, actor=caller(request), **data)
        body = CreatedApiKeySerializer(key, context={"raw_key": raw}).data
        return Response(body, status=status.HTTP_201_CREATED)

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

    def retrieve(self, request: Request, pk: str) -> Response:
        key = self.get_key()
        if not caller(request).owns(key.team_id):
            raise ForbiddenError(
                "Cannot view keys for other teams", code=ErrorCode.FORBIDDEN
            )
        return Response(ApiKeySerializer(key).data)

    def destroy(self, request: Request, pk: str) -> Response:
        key = services.revoke_api_key(key=self.get_key(), actor=caller(request))
        return Response(ApiKeySerializer(key).data)
