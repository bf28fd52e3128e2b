"""Request ids: echoed or generated on every response, attached to every log line."""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)
# Echo a client's id only when it is a plain token: it goes into headers and logs.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Set ``request.request_id`` and the ``X-Request-ID`` response header (API.md 1)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _SAFE_ID.match(supplied) else str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
