"""Webhook deliveries (API.md 5.9): admin scope, newest first, ``{"results", "total"}``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tessera.api import parse_uuid, validate_query
from tessera.openapi import error_responses, page_of, page_parameters, uuid_path
from tessera.pagination import FixedLimitOffsetPagination
from webhooks.api.serializers import (
    DeliveryListQuerySerializer,
    WebhookDeliverySerializer,
)
from webhooks.errors import DeliveryNotFoundError
from webhooks.models import WebhookDelivery

ADMIN_READ = {"get": "admin"}


class DeliveryListView(APIView):
    required_scopes = ADMIN_READ
    rate_category = "admin"

    @extend_schema(
        operation_id="webhooks_list_deliveries",
        tags=["webhooks"],
        summary="List webhook deliveries",
        description="Newest first (`created_at` descending). The page has only "
        "`results` and `total`. Fixed page bounds: default 50, at most 100.",
        parameters=[DeliveryListQuerySerializer, *page_parameters(fixed=True)],
        responses={
            200: page_of(WebhookDeliverySerializer, limit_offset=False),
            **error_responses("admin"),
        },
    )
    def get(self, request: Request) -> Response:
        params = validate_query(DeliveryListQuerySerializer, request)
        queryset = WebhookDelivery.objects.for_api().order_by("-created_at", "-id")
        for field in ("status", "event_type"):
            if params.get(field) is not None:
                queryset = queryset.filter(**{field: params[field]})
        # Fixed 50/100 bounds, and only results + total in the page (API.md 4.1).
        paginator = FixedLimitOffsetPagination(include_limit_offset=False)
        page = paginator.paginate_queryset(queryset, request, view=self)
        return Response(paginator.page(WebhookDeliverySerializer(page, many=True).data))


class DeliveryDetailView(APIView):
    required_scopes = ADMIN_READ
    rate_category = "admin"

    @extend_schema(
        operation_id="webhooks_retrieve_delivery",
        tags=["webhooks"],
        summary="Get a webhook delivery",
        description="One delivery record, with its attempts and last error.",
        parameters=[uuid_path("delivery_id", "The delivery's id.")],
        responses={
            200: WebhookDeliverySerializer,
            **error_responses(
                "admin",
                {
                    404: "`NOT_FOUND`: Webhook delivery with ID '<delivery_id>' "
                    "not found."
                },
            ),
        },
    )
    def get(self, request: Request, delivery_id: str) -> Response:
        pk = parse_uuid(delivery_id, loc=("path", "delivery_id"))
        delivery = WebhookDelivery.objects.for_api().filter(pk=pk).first()
        if delivery is None:
            raise DeliveryNotFoundError(pk)
        return Response(WebhookDeliverySerializer(delivery).data)
