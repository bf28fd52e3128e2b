"""Assertions on the error bodies of API.md 3.1 and 3.2, shared by the API tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

ENVELOPE_KEYS = {"code", "message", "request_id", "timestamp", "details"}


def assert_error(
    response: Any, status: int, code: str, message: str | None = None
) -> dict[str, Any]:
    """Check ``response`` is the error envelope with ``status``, ``code`` and ``message``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message
    assert set(error) <= ENVELOPE_KEYS
    assert error["request_id"] == response["X-Request-ID"]
    assert datetime.fromisoformat(error["timestamp"]).utcoffset() is not None
    if status == 401:
        assert response["WWW-Authenticate"] == "Bearer"
    return error


def assert_validation_error(
    response: Any, *locs: tuple[str | int, ...]
) -> list[dict[str, Any]]:
    """Check the 422 body (envelope + ``detail`` array); each of ``locs`` must appear."""
    assert_error(response, 422, "VALIDATION_ERROR", "Request validation failed")
    detail = response.json()["detail"]
    assert detail, "a 422 names at least one problem"
    for item in detail:
        assert {"type", "loc", "msg", "input"} <= set(item)
        assert item["loc"][0] in ("body", "query", "path")
    reported = [tuple(item["loc"]) for item in detail]
    for loc in locs:
        assert loc in reported, reported
    return detail
