"""OpenAPI helpers shared by the API views (drf-spectacular, served at /openapi.json).

Views validate input by hand (``tessera.api.validate``) and often render dicts, so
drf-spectacular cannot discover their shapes: each view declares them with
``extend_schema``, using the pieces here. Nothing in this module runs while serving
API requests; it only shapes the generated document.

* ``Error``: the envelope of API.md 3.1, with the optional top-level ``detail`` array
  of request-validation errors (API.md 3.2); ``error_responses()`` attaches it to the
  statuses an endpoint can return.
* ``page_of()`` / ``page_parameters()``: the pagination envelope and its parameters
  (API.md 4.1).
* ``JsonObjectField``: a JSON field documented as an object.
* ``ClosedSerializer``: a shape documented with ``additionalProperties: false``, so the
  variants of a ``oneOf`` exclude each other.
* Hooks (``SPECTACULAR_SETTINGS``): the health probes, which are plain Django views,
  join the document; request bodies that must be present although no field is
  required are marked required.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers

from tessera.errors import ErrorCode

# --- Fields ------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.OBJECT)
class JsonObjectField(serializers.JSONField):
    """A ``JSONField`` holding a JSON object; renders exactly like ``JSONField``."""


@extend_schema_field(
    {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}
)
class _LocationField(serializers.ListField):
    pass


# --- The error envelope (API.md 3.1, 3.2) ------------------------------------------------


class ValidationIssueSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="Machine type, e.g. `missing`, `string_too_short`, `enum`, "
        "`uuid_parsing`, `bool_parsing`, `dict_type`, `value_error`, `json_invalid`."
    )
    loc = _LocationField(
        help_text='Where: `["body" | "query" | "path", <field>, ...nested keys or '
        "list indexes]`."
    )
    msg = serializers.CharField(help_text="Human-readable message.")
    input = serializers.JSONField(
        allow_null=True, help_text="The offending value; `null` or `{}` when missing."
    )
    ctx = serializers.DictField(
        required=False, help_text='Optional context, e.g. `{"min_length": 5}`.'
    )


class ErrorInfoSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[code.value for code in ErrorCode],
        help_text="Machine-readable error code; the codes per endpoint are listed in "
        "each operation's error responses.",
    )
    message = serializers.CharField(help_text="Human-readable message.")
    request_id = serializers.CharField(help_text="Same as the `X-Request-ID` header.")
    timestamp = serializers.DateTimeField(help_text="When the error was built.")
    details = serializers.DictField(
        required=False,
        help_text='Present only when non-empty: `{"errors": [...]}` for '
        '`INVALID_SCHEMA`, `{"contract_id": ...}` for `CONTRACT_NOT_FOUND`.',
    )


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """The error envelope (API.md 3.1); 422 request-validation errors add `detail`."""

    error = ErrorInfoSerializer()
    detail = ValidationIssueSerializer(
        many=True,
        required=False,
        help_text="422 request-validation errors only (`VALIDATION_ERROR`): one item "
        "per problem found in the path, query or body.",
    )


_STATUS_TITLES = {
    400: "Business rule violated (`BAD_REQUEST`).",
    401: "Not authenticated.",
    403: "Forbidden.",
    404: "Not found.",
    409: "Conflict.",
    422: "Validation failed.",
    503: "Service unavailable.",
}
AUTH_ERRORS = (
    "`MISSING_API_KEY`: no `Authorization` or `X-API-Key` header.",
    "`INVALID_AUTH_HEADER`: `Authorization` is not `Bearer <key>`.",
    "`INVALID_API_KEY`: unknown, revoked or expired key.",
)
NO_TEAMS = "`NO_TEAMS`: the bootstrap key was used while no team exists."
REQUEST_VALIDATION = (
    "`VALIDATION_ERROR` with the `detail` array: malformed JSON body, malformed "
    "UUID in the path, or invalid query parameters or body fields."
)
ANY_SCOPE = ""  # a valid credential, no particular scope (scope=ANY_SCOPE)


def error_responses(
    scope: str | None,
    errors: Mapping[int, str | Sequence[str]] | None = None,
    *,
    teamless: bool = False,
) -> dict[int, OpenApiResponse]:
    """The error responses of an operation, each an ``Error`` envelope.

    ``scope`` adds the authentication errors (401, 403 ``INSUFFICIENT_SCOPE`` unless
    it is ``ANY_SCOPE``, 503 ``NO_TEAMS`` unless ``teamless``); ``None`` is for
    endpoints that need no credentials. Every operation can answer 422 (request
    validation). ``errors`` adds the endpoint's own cases, one line each.
    """
    lines: dict[int, list[str]] = defaultdict(list)
    if scope is not None:
        lines[401].extend(AUTH_ERRORS)
        if scope != ANY_SCOPE:
            lines[403].append(
                f"`INSUFFICIENT_SCOPE`: the credential lacks the `{scope}` scope "
                "(`admin` implies every scope)."
            )
        if not teamless:
            lines[503].append(NO_TEAMS)
    lines[422].append(REQUEST_VALIDATION)
    for status, text in (errors or {}).items():
        lines[status].extend([text] if isinstance(text, str) else text)
    return {
        status: OpenApiResponse(ErrorSerializer, description=_describe(status, found))
        for status, found in sorted(lines.items())
    }


def _describe(status: int, lines: list[str]) -> str:
    title = _STATUS_TITLES.get(status, "Error.")
    return "\n\n".join([title, "\n".join(f"- {line}" for line in lines)])


# --- Pagination (API.md 4.1) -----------------------------------------------------------


@functools.cache
def page_of(
    item: type[serializers.Serializer], *, limit_offset: bool = True
) -> type[serializers.Serializer]:
    """The page envelope ``{"results", "total", "limit", "offset"}`` around ``item``.

    ``limit_offset=False`` is the webhook-delivery page, which has only ``results``
    and ``total``. Cached: one class (so one component) per item serializer.
    """
    name = item.__name__.removesuffix("Serializer") + "Page"
    fields: dict[str, serializers.Field] = {
        "results": item(many=True),
        "total": serializers.IntegerField(help_text="Rows matching the filters."),
    }
    if limit_offset:
        fields["limit"] = serializers.IntegerField(help_text="The limit applied.")
        fields["offset"] = serializers.IntegerField(help_text="The offset applied.")
    return shape(name, fields)


def shape(
    name: str, fields: Mapping[str, serializers.Field]
) -> type[serializers.Serializer]:
    """A one-off documented object ``name`` (e.g. a dict a view renders).

    Unlike ``inline_serializer``, a list action does not wrap it in an array.
    """
    cls = type(f"{name}Serializer", (serializers.Serializer,), dict(fields))
    decorated: type[serializers.Serializer] = extend_schema_serializer(
        many=False, component_name=name
    )(cls)
    return decorated


def page_parameters(*, fixed: bool = False) -> list[OpenApiParameter]:
    """``limit`` and ``offset``; ``fixed`` lists use 50/100 whatever the settings say."""
    if fixed:
        default, maximum = 50, 100
    else:
        default = settings.PAGINATION_LIMIT_DEFAULT
        maximum = settings.PAGINATION_LIMIT_MAX
    return [
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
            description="Page size.",
        ),
        OpenApiParameter(
            "offset",
            {"type": "integer", "minimum": 0, "default": 0},
            description="Rows to skip; past the end the page is empty.",
        ),
    ]


# --- Parameters --------------------------------------------------------------------------


def constant(value: str) -> serializers.ChoiceField:
    """A field documented as the one value it always has (e.g. a result's ``action``)."""
    return serializers.ChoiceField(choices=[value])


def uuid_path(name: str, description: str) -> OpenApiParameter:
    """A path id: a malformed UUID is a 422 ``uuid_parsing``, not a 404."""
    return OpenApiParameter(
        name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description
    )


# --- Closed shapes ------------------------------------------------------------------------


class ClosedSerializer(serializers.Serializer):
    """Documented with ``additionalProperties: false``: the body has no other key."""


class ClosedSerializerExtension(OpenApiSerializerExtension):
    target_class = ClosedSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(
            self.target, direction, bypass_extensions=True
        )
        schema["additionalProperties"] = False
        return schema


# --- Hooks -------------------------------------------------------------------------------

# An operation whose body must be present although none of its fields is required
# (drf-spectacular marks such bodies optional): the view answers 422 without one.
BODY_REQUIRED = {"x-tessera-body-required": True}


def add_health_endpoints(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """PREPROCESSING_HOOK: document the health probes, which are plain Django views."""
    from tessera import health

    return [*endpoints, *health.schema_endpoints()]


def require_marked_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOK: mark the request body of ``BODY_REQUIRED`` operations required."""
    (marker,) = BODY_REQUIRED
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.pop(marker, False):
                operation["requestBody"]["required"] = True
    return result
