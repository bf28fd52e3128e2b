"""Audit events (API.md 5.10): admin scope, newest first, fixed 50/100 paging."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api.serializers import EventListQuerySerializer, EventSerializer
from audit.models import Event
from tessera.api import parse_uuid, validate_query
from tessera.errors import NotFoundError
from tessera.openapi import error_responses, page_of, page_parameters, uuid_path
from tessera.pagination import FixedLimitOffsetPagination

ADMIN_READ = {"list": "admin", "retrieve": "admin", "get": "admin"}
EVENT_PAGE = page_of(EventSerializer)


class EventViewSet(viewsets.GenericViewSet):
    serializer_class = EventSerializer
    pagination_class = FixedLimitOffsetPagination
    lookup_url_kwarg = "event_id"
    lookup_value_regex = "[^/]+"
    required_scopes = ADMIN_READ
    rate_category = "admin"

    # Also called by the browsable API to build its filter form.
    def get_queryset(self) -> QuerySet[Event]:
        return Event.objects.order_by("-occurred_at", "-id")

    @extend_schema(
        operation_id="audit_list_events",
        tags=["audit"],
        summary="List audit events",
        description="Newest first (`occurred_at` descending). Fixed page bounds: "
        "default 50, at most 100.",
        parameters=[EventListQuerySerializer, *page_parameters(fixed=True)],
        responses={200: EVENT_PAGE, **error_responses("admin")},
    )
    def list(self, request: Request) -> Response:
        params = validate_query(EventListQuerySerializer, request)
        queryset = self.get_queryset()
        for field in ("entity_type", "entity_id", "action", "actor_id"):
            if params.get(field) is not None:
                queryset = queryset.filter(**{field: params[field]})
        if params.get("from") is not None:
            queryset = queryset.filter(occurred_at__gte=params["from"])
        if params.get("to") is not None:
            queryset = queryset.filter(occurred_at__lte=params["to"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(
        operation_id="audit_retrieve_event",
        tags=["audit"],
        summary="Get an audit event",
        description="One audit event by id.",
        parameters=[uuid_path("event_id", "The event's id.")],
        responses={
            200: EventSerializer,
            **error_responses(
                "admin",
                {404: "`NOT_FOUND`: Audit event with ID '<event_id>' not found."},
            ),
        },
    )
    def retrieve(self, request: Request, event_id: str) -> Response:
        event_uuid = parse_uuid(event_id, loc=("path", "event_id"))
        event = Event.objects.filter(pk=event_uuid).first()
        if event is None:
            raise NotFoundError(f"Audit event with ID '{event_uuid}' not found")
        return Response(EventSerializer(event).data)


class EntityHistoryView(APIView):
    """Every event of one entity, newest first; an empty page when there is none."""

    required_scopes = ADMIN_READ
    rate_category = "admin"
    pagination_class = FixedLimitOffsetPagination
    serializer_class = EventSerializer  # for /openapi.json

    @extend_schema(
        operation_id="audit_entity_history",
        tags=["audit"],
        summary="Audit history of one entity",
        description="Every event of the entity, newest first; an empty page (never "
        "a 404) when there is none. Fixed page bounds: default 50, at most 100.",
        parameters=[
            OpenApiParameter(
                "entity_type",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Free text, e.g. `contract`, `proposal`, `api_key`.",
            ),
            uuid_path("entity_id", "The entity's id."),
            *page_parameters(fixed=True),
        ],
        responses={200: EVENT_PAGE, **error_responses("admin")},
    )
    def get(self, request: Request, entity_type: str, entity_id: str) -> Response:
        entity_uuid = parse_uuid(entity_id, loc=("path", "entity_id"))
        queryset = Event.objects.filter(
            entity_type=entity_type, entity_id=entity_uuid
        ).order_by("-occurred_at", "-id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return Response(paginator.page(EventSerializer(page, many=True).data))
