"""Shared API plumbing: JSON-by-default parsing and request validation helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rest_framework import renderers, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request

from tessera.errors import RequestValidationError, validation_items

if TYPE_CHECKING:  # DRF imports this module while loading its views: no cycle
    from rest_framework.viewsets import ViewSetMixin

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages, without the filter form no view of Tessera uses.

    DRF builds that form from ``view.get_queryset()`` whenever a response looks like a
    list; views that query in their actions have no ``get_queryset()``, and the page
    would crash instead of rendering.
    """

    def get_filter_form(self, data: Any, view: Any, request: Request) -> Any:
        if not getattr(view, "filter_backends", None):
            return None
        return super().get_filter_form(data, view, request)


class JsonByDefaultNegotiation(DefaultContentNegotiation):
    """Parse every request body as JSON (API.md 1), whatever ``Content-Type`` says.

    The reference parses JSON when the header is absent or ``*/*json``. A body sent
    as ``curl -d '{...}'`` arrives labelled ``application/x-www-form-urlencoded``:
    reading it as JSON too answers it instead of refusing it, and a body that is not
    JSON is still a 422 ``json_invalid``. Only multipart uploads are refused (415).
    """

    def select_parser(
        self, request: Request, parsers: Iterable[BaseParser]
    ) -> BaseParser | None:
        content_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        if content_type.startswith("multipart/"):
            return super().select_parser(request, parsers)
        return next((p for p in parsers if isinstance(p, JSONParser)), None)


def validate(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    location: str = "body",
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate ``data`` with ``serializer_class``; raise a 422 in the API.md 3.2 format."""
    serializer = serializer_class(data=data, context=dict(context or {}))
    if not serializer.is_valid():
        raise RequestValidationError(
            validation_items(
                serializer.errors, location=location, data=data, serializer=serializer
            )
        )
    return dict(serializer.validated_data)


def validate_query(
    serializer_class: type[serializers.Serializer], request: Request
) -> dict[str, Any]:
    """Validate query parameters; unknown parameters are ignored (API.md 1)."""
    params = {key: request.query_params.get(key) for key in request.query_params}
    return validate(serializer_class, params, location="query")


class BodyFirstMixin:
    """Parse the JSON body before authentication: malformed JSON is a 422 first (API.md 2.5)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in SAFE_METHODS:
            request.data  # noqa: B018 - parsing raises ParseError on malformed JSON
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


def parse_uuid(value: Any, *, loc: tuple[str, ...]) -> uuid.UUID:
    """Parse a path or query UUID; a malformed one is a 422 ``uuid_parsing``."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise RequestValidationError.single(
            loc,
            "Input should be a valid UUID",
            type="uuid_parsing",
            input=value,
        ) from None


def missing_field(loc: Sequence[str | int]) -> RequestValidationError:
    """A 422 ``missing`` at ``loc``, e.g. ``["query", "published_by"]``."""
    return RequestValidationError.single(
        loc, "Field required", type="missing", input=None
    )


def has_body(request: Request) -> bool:
    # DRF leaves the stream unset when the request has no body (no Content-Length).
    return request.stream is not None


def request_body(request: Request) -> Any:
    """The parsed JSON body; an absent one is a 422 ``missing`` at ``["body"]``."""
    data = request.data  # parses first: malformed JSON is a 422 json_invalid
    if not has_body(request):
        raise missing_field(["body"])
    return data


def route(view: type[ViewSetMixin], **actions: str) -> Any:
    """Bind HTTP methods to a viewset's actions for one ``path()``."""
    return view.as_view(dict(actions))  # type: ignore[arg-type]
