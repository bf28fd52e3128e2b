"""The one paginator: ``{"results", "total", "limit", "offset"}`` (API.md 4.1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tessera.api import validate_query


class LimitOffsetPagination(pagination.BasePagination):
    """Limit/offset pages; bounds come from settings unless a view fixes them.

    ``/proposals``, ``/audit`` and ``/webhooks/deliveries`` use fixed 50/100 bounds
    (API.md 4.1): those views set ``fixed_bounds = True``.
    """

    fixed_bounds = False
    include_limit_offset = True

    def __init__(
        self,
        *,
        fixed_bounds: bool | None = None,
        include_limit_offset: bool | None = None,
    ) -> None:
        if fixed_bounds is not None:
            self.fixed_bounds = fixed_bounds
        if include_limit_offset is not None:
            self.include_limit_offset = include_limit_offset

    def bounds(self) -> tuple[int, int]:
        if self.fixed_bounds:
            return 50, 100
        return settings.PAGINATION_LIMIT_DEFAULT, settings.PAGINATION_LIMIT_MAX

    def page_params(self, request: Request) -> tuple[int, int]:
        default, maximum = self.bounds()

        class PageSerializer(serializers.Serializer):
            limit = serializers.IntegerField(
                min_value=1, max_value=maximum, default=default
            )
            offset = serializers.IntegerField(min_value=0, default=0)

        params = validate_query(PageSerializer, request)
        return params["limit"], params["offset"]

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any]:
        self.limit, self.offset = self.page_params(request)
        self.total = (
            queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        )
        if self.offset >= self.total:
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def get_paginated_response(self, data: Any) -> Response:
        return Response(self.page(data))

    def page(self, results: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"results": results, "total": self.total}
        if self.include_limit_offset:
            body.update(limit=self.limit, offset=self.offset)
        return body

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = {"results": schema, "total": {"type": "integer"}}
        if self.include_limit_offset:
            properties.update(limit={"type": "integer"}, offset={"type": "integer"})
        return {
            "type": "object",
            "required": list(properties),
            "properties": properties,
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "offset",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 0},
            },
        ]


class FixedLimitOffsetPagination(LimitOffsetPagination):
    fixed_bounds = True
