"""Registrations: consumers declaring the contracts they read (API.md 5.4)."""

from __future__ import annotations

import uuid

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.serializers.contracts import (
    CreateRegistrationQuerySerializer,
    CreateRegistrationSerializer,
    RegistrationListQuerySerializer,
    RegistrationSerializer,
    UpdateRegistrationSerializer,
)
from contracts.errors import RegistrationNotFoundError
from contracts.models import Registration
from contracts.services import registrations
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
from tessera.openapi import (
    BODY_REQUIRED,
    error_responses,
    page_of,
    page_parameters,
    uuid_path,
)

REGISTRATION_ID = uuid_path("registration_id", "The registration's id.")
REGISTRATION_NOT_FOUND = "`NOT_FOUND`: Registration not found."


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
            raise missing_field(["query", "contract_id"])
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


urlpatterns = [
    path(
        "registrations",
        route(RegistrationViewSet, get="list", post="create"),
        name="registrations",
    ),
    path(
        "registrations/<str:registration_id>",
        route(
            RegistrationViewSet,
            get="retrieve",
            patch="partial_update",
            delete="destroy",
        ),
        name="registration-detail",
    ),
]
