"""The error catalogue and the one exception handler that renders every API error.

App code raises (``TesseraError`` subclasses, DRF or Django exceptions); this module
alone turns them into the envelope of API.md 3.1, or the 422 validation body of 3.2
merged into the envelope as API.md 3.2 recommends for a single-envelope implementation.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions as drf
from rest_framework import serializers
from rest_framework.response import Response

from tessera.middleware import current_request_id

logger = logging.getLogger("tessera.errors")


class ErrorCode(StrEnum):
    """Every code the API emits. Codes are API: add freely, never rename."""

    ASSET_NOT_FOUND = "ASSET_NOT_FOUND"
    TEAM_NOT_FOUND = "TEAM_NOT_FOUND"
    CONTRACT_NOT_FOUND = "CONTRACT_NOT_FOUND"
    PROPOSAL_NOT_FOUND = "PROPOSAL_NOT_FOUND"
    REGISTRATION_NOT_FOUND = "REGISTRATION_NOT_FOUND"
    DUPLICATE_ASSET = "DUPLICATE_ASSET"
    DUPLICATE_TEAM = "DUPLICATE_TEAM"
    DUPLICATE_CONTRACT_VERSION = "DUPLICATE_CONTRACT_VERSION"
    DUPLICATE_REGISTRATION = "DUPLICATE_REGISTRATION"
    DUPLICATE_ACKNOWLEDGMENT = "DUPLICATE_ACKNOWLEDGMENT"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_SCHEMA = "INVALID_SCHEMA"
    INVALID_VERSION = "INVALID_VERSION"
    INVALID_FQN = "INVALID_FQN"
    PROPOSAL_NOT_PENDING = "PROPOSAL_NOT_PENDING"
    BREAKING_CHANGE_REQUIRES_PROPOSAL = "BREAKING_CHANGE_REQUIRES_PROPOSAL"
    INCOMPATIBLE_SCHEMA = "INCOMPATIBLE_SCHEMA"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    BAD_REQUEST = "BAD_REQUEST"
    NOT_FOUND = "NOT_FOUND"
    MISSING_API_KEY = "MISSING_API_KEY"
    INVALID_AUTH_HEADER = "INVALID_AUTH_HEADER"
    INVALID_API_KEY = "INVALID_API_KEY"
    NO_TEAMS = "NO_TEAMS"
    INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"
    INSUFFICIENT_PERMISSIONS = "INSUFFICIENT_PERMISSIONS"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class TesseraError(drf.APIException):
    """Base of every domain error: a status, a code, a message and optional details."""

    status_code = 400
    code: ErrorCode = ErrorCode.BAD_REQUEST
    message = "Bad request"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Mapping[str, Any] | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        self.message = message or self.message
        self.details = dict(details or {})
        if code is not None:
            self.code = code
        super().__init__(self.message)


class BadRequestError(TesseraError):
    pass


class NotFoundError(TesseraError):
    status_code = 404
    code = ErrorCode.NOT_FOUND
    message = "Not Found"


class ConflictError(TesseraError):
    status_code = 409
    code = ErrorCode.DUPLICATE_TEAM
    message = "Conflict"


class ForbiddenError(TesseraError):
    status_code = 403
    code = ErrorCode.INSUFFICIENT_PERMISSIONS
    message = "Forbidden"


class AuthenticationError(TesseraError):
    status_code = 401
    code = ErrorCode.INVALID_API_KEY
    message = "Invalid or expired API key"


class ServiceUnavailableError(TesseraError):
    status_code = 503
    code = ErrorCode.SERVICE_UNAVAILABLE
    message = "Service unavailable"


class UnprocessableError(TesseraError):
    """A 422 in the envelope form (e.g. INVALID_SCHEMA), not a request-shape error."""

    status_code = 422
    code = ErrorCode.VALIDATION_ERROR
    message = "Request validation failed"


class RequestValidationError(TesseraError):
    """Request-shape errors: 422 with the API.md 3.2 ``detail`` array."""

    status_code = 422
    code = ErrorCode.VALIDATION_ERROR
    message = "Request validation failed"

    def __init__(self, items: Sequence[Mapping[str, Any]]) -> None:
        self.items = [dict(item) for item in items]
        super().__init__(self.message)

    @classmethod
    def single(
        cls,
        loc: Sequence[str | int],
        msg: str,
        *,
        type: str = "value_error",
        input: Any = None,
        ctx: Mapping[str, Any] | None = None,
    ) -> RequestValidationError:
        item: dict[str, Any] = {
            "type": type,
            "loc": list(loc),
            "msg": msg,
            "input": input,
        }
        if ctx:
            item["ctx"] = dict(ctx)
        return cls([item])


# DRF validation codes -> the machine types of API.md 3.2.
_DRF_TYPES = {
    "required": "missing",
    "null": "missing",
    "blank": "string_too_short",
    "max_length": "string_too_long",
    "min_length": "string_too_short",
    "invalid_choice": "enum",
    "max_value": "less_than_equal",
    "min_value": "greater_than_equal",
    "not_a_dict": "dict_type",
    "not_a_list": "list_type",
    "empty": "too_short",
    "invalid_pk_value": "value_error",
    "date": "datetime_parsing",
}
_TYPE_BY_FIELD_KIND = {
    "UUIDField": "uuid_parsing",
    "BooleanField": "bool_parsing",
    "DateTimeField": "datetime_parsing",
    "IntegerField": "int_parsing",
    "CharField": "string_type",
    "DictField": "dict_type",
    "JSONField": "dict_type",
    "ListField": "list_type",
    "ChoiceField": "enum",
    "MultipleChoiceField": "enum",
}


def validation_items(
    errors: Any, *, location: str, data: Any = None, serializer: Any = None
) -> list[dict[str, Any]]:
    """Flatten DRF's nested error structure into API.md 3.2 items.

    ``serializer`` (the one that produced ``errors``) lets a field's class pick the
    machine type, e.g. ``uuid_parsing`` for a bad UUID.
    """
    items: list[dict[str, Any]] = []

    def lookup(container: Any, key: str | int) -> Any:
        if isinstance(container, Mapping):
            return container.get(key)
        if (
            isinstance(container, list)
            and isinstance(key, int)
            and key < len(container)
        ):
            return container[key]
        return None

    def kind_of(code: str, field: Any) -> str:
        if code in _DRF_TYPES:
            return _DRF_TYPES[code]
        if code == "invalid" and isinstance(field, serializers.Serializer):
            return "dict_type"
        if code in ("invalid", "parse_error", "not_a_dict"):
            return _TYPE_BY_FIELD_KIND.get(type(field).__name__, "value_error")
        return "value_error"

    def walk(node: Any, loc: list[str | int], value: Any, field: Any) -> None:
        if isinstance(node, Mapping):
            for key, sub in node.items():
                if key == "non_field_errors":
                    walk(sub, loc, value, field)
                else:
                    sub_field = getattr(field, "fields", {}).get(key)
                    walk(sub, [*loc, key], lookup(value, key), sub_field)
            return
        if isinstance(node, list) and any(isinstance(x, Mapping | list) for x in node):
            child = getattr(field, "child", None)
            for index, sub in enumerate(node):
                if sub:
                    walk(sub, [*loc, index], lookup(value, index), child)
            return
        for message in node if isinstance(node, list) else [node]:
            kind = kind_of(getattr(message, "code", "invalid"), field)
            text = "Field required" if kind == "missing" else str(message)
            if kind == "value_error" and not text.startswith("Value error, "):
                text = "Value error, " + text
            items.append({"type": kind, "loc": loc, "msg": text, "input": value})

    walk(errors, [location], data, serializer)
    return items


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def error_body(
    code: str, message: str, *, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": str(code),
        "message": message,
        "request_id": current_request_id(),
        "timestamp": _now_iso(),
    }
    if details:
        error["details"] = dict(details)
    return {"error": error}


def _validation_response(items: list[dict[str, Any]]) -> Response:
    body = error_body(ErrorCode.VALIDATION_ERROR, "Request validation failed")
    body["detail"] = items
    return Response(body, status=422)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every API error leaves through here."""
    from rest_framework.views import set_rollback  # here: DRF imports this module

    set_rollback()  # a failed request leaves no partial rows
    if _method_not_routed(context):
        # A wrong method is a routing error: it wins over auth and body errors, as
        # in the reference, where routing runs before anything else.
        exc = drf.MethodNotAllowed(context["request"].method)
    response = _render(exc, context)
    if response.status_code == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _method_not_routed(context: Mapping[str, Any]) -> bool:
    view, request = context.get("view"), context.get("request")
    if view is None or request is None:
        return False
    method = request.method.lower()
    return method not in view.http_method_names or not hasattr(view, method)


def _render(exc: Exception, context: Mapping[str, Any]) -> Response:
    # Ratelimited subclasses PermissionDenied: check it first.
    if isinstance(exc, Ratelimited):
        return _rate_limited(
            getattr(exc, "limit", ""), getattr(exc, "retry_after", None)
        )
    if isinstance(exc, RequestValidationError):
        return _validation_response(exc.items)
    if isinstance(exc, TesseraError):
        return Response(
            error_body(exc.code, exc.message, details=exc.details),
            status=exc.status_code,
        )
    if isinstance(exc, drf.ValidationError):
        request = context.get("request")
        data = getattr(request, "data", None) if request is not None else None
        return _validation_response(
            validation_items(exc.detail, location="body", data=data)
        )
    if isinstance(exc, drf.ParseError):
        item = {
            "type": "json_invalid",
            "loc": ["body", 0],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": str(exc.detail)},
        }
        return _validation_response([item])
    if isinstance(exc, DjangoValidationError):
        items = [
            {
                "type": "value_error",
                "loc": ["body"],
                "msg": f"Value error, {m}",
                "input": None,
            }
            for m in exc.messages
        ]
        return _validation_response(items)
    if isinstance(exc, Http404 | drf.NotFound):
        return Response(error_body(ErrorCode.NOT_FOUND, "Not Found"), status=404)
    if isinstance(exc, drf.NotAuthenticated):
        return Response(
            error_body(
                ErrorCode.MISSING_API_KEY,
                "Missing Authorization header. Use 'Authorization: Bearer <api_key>'",
            ),
            status=401,
        )
    if isinstance(exc, drf.AuthenticationFailed):
        return Response(
            error_body(ErrorCode.INVALID_API_KEY, "Invalid or expired API key"),
            status=401,
        )
    if isinstance(exc, DjangoPermissionDenied | drf.PermissionDenied):
        return Response(error_body(ErrorCode.FORBIDDEN, "Forbidden"), status=403)
    if isinstance(exc, drf.MethodNotAllowed):
        return Response(
            error_body(ErrorCode.BAD_REQUEST, "Method Not Allowed"), status=405
        )
    if isinstance(exc, drf.Throttled):
        # tessera.ratelimit.RateLimitExceeded carries the limit; wait is Retry-After.
        return _rate_limited(getattr(exc, "limit", ""), getattr(exc, "wait", None))
    if isinstance(exc, drf.APIException):
        return Response(
            error_body(ErrorCode.BAD_REQUEST, str(exc.detail)), status=exc.status_code
        )
    logger.exception("Unhandled error while serving the request", exc_info=exc)
    return Response(
        error_body(ErrorCode.INTERNAL_ERROR, "An unexpected error occurred"), status=500
    )


def _rate_limited(limit: str, retry_after: float | None) -> Response:
    """API.md 3.4: a body of its own, without request_id or timestamp.

    ``Retry-After`` is the seconds until the window resets (WORKFLOWS.md 15.2), 60 when
    unknown; never an ``X-RateLimit-*`` header.
    """
    body = {
        "error": {
            "code": ErrorCode.RATE_LIMIT_EXCEEDED.value,
            "message": "Too Many Requests",
            "detail": limit,
        }
    }
    seconds = 60 if retry_after is None else max(1, math.ceil(retry_after))
    return Response(body, status=429, headers={"Retry-After": str(seconds)})


# Django-level handlers, for errors raised outside DRF views.
def json_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body(ErrorCode.NOT_FOUND, "Not Found"), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body(ErrorCode.INTERNAL_ERROR, "An unexpected error occurred"), status=500
    )


def json_permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body(ErrorCode.FORBIDDEN, "Forbidden"), status=403)


def json_bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body(ErrorCode.BAD_REQUEST, "Bad Request"), status=400)
