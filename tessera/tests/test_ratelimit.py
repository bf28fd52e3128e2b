"""Rate limits (WORKFLOWS.md 15 with its RECOMMENDs, API.md 3.4 and 5.0).

Every test runs at a frozen instant, 20.25 s into a minute, and with counters of its
own (a unique key prefix): with ``REDIS_URL`` set the default cache is a Redis
database that other test processes share, so the cache is never cleared.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.urls import resolve
from django_ratelimit.exceptions import Ratelimited
from rest_framework.exceptions import Throttled
from rest_framework.test import APIClient

from tessera import config, ratelimit
from tessera.errors import exception_handler

START = datetime(2030, 1, 7, 9, 30, 20, 250_000, tzinfo=UTC)
LARGE = "10000/minute"


@pytest.fixture(autouse=True)
def _needs_redis(request: pytest.FixtureRequest) -> None:
    # The root conftest.py handles the postgres marker only.
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        pytest.skip("needs Redis: run with REDIS_URL=redis://...")


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _own_counters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "CACHE_PREFIX", f"ratelimit-test-{uuid.uuid4()}")


@pytest.fixture
def limits(settings: Any) -> Callable[..., None]:
    """Enable rate limiting with the given limit strings; other categories are large."""

    def apply(**raw: str) -> None:
        settings.RATE_LIMIT_ENABLED = True
        settings.RATE_LIMITS = {
            category: config.parse_rate_limit(category, raw.get(category, LARGE))
            for category in ("read", "write", "admin", "global")
        }

    return apply


def statuses(send: Callable[[], Any], times: int) -> list[int]:
    return [send().status_code for _ in range(times)]


def successes_before_refusal(send: Callable[[], Any], most: int = 10) -> int:
    for done in range(most):
        if send().status_code == 429:
            return done
    return most


# --- The 429 answer -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_fourth_read_of_an_endpoint_by_one_key_is_refused(
    limits, writer_client
) -> None:
    limits(read="3/minute")

    assert statuses(lambda: writer_client.get("/api/v1/teams"), 3) == [200] * 3
    response = writer_client.get("/api/v1/teams")

    assert response.status_code == 429
    assert response.json() == {
        "error": {
            "code": "RATE_LIMIT_EXCEEDED",
            "message": "Too Many Requests",
            "detail": "3 per 1 minute",
        }
    }
    assert response["X-Request-ID"]
    assert not [h for h in response.headers if h.lower().startswith("x-ratelimit")]


@pytest.mark.django_db
def test_retry_after_is_the_seconds_until_the_window_resets(
    limits, writer_client
) -> None:
    limits(read="1/minute")
    writer_client.get("/api/v1/teams")

    response = writer_client.get("/api/v1/teams")

    assert response.status_code == 429
    assert response["Retry-After"] == "40"  # 20.25 s into the minute


@pytest.mark.django_db
def test_the_window_resets(limits, writer_client, clock) -> None:
    limits(read="2/minute")
    statuses(lambda: writer_client.get("/api/v1/teams"), 2)
    retry_after = int(writer_client.get("/api/v1/teams")["Retry-After"])
    assert 1 <= retry_after <= 60

    clock.shift(retry_after - 1)
    assert writer_client.get("/api/v1/teams").status_code == 429
    clock.shift(1)
    assert statuses(lambda: writer_client.get("/api/v1/teams"), 3) == [200, 200, 429]


@pytest.mark.django_db
def test_every_limit_of_a_category_applies(limits, writer_client, clock) -> None:
    limits(read="2/second;5/minute")

    def get() -> Any:
        return writer_client.get("/api/v1/teams")

    assert statuses(get, 3) == [200, 200, 429]
    refused = get()
    assert refused.json()["error"]["detail"] == "2 per 1 second"
    assert refused["Retry-After"] == "1"
    clock.shift(1)
    assert statuses(get, 2) == [200, 200]  # a refused request is not counted further
    clock.shift(1)
    assert get().status_code == 200  # the fifth this minute
    refused = get()
    assert refused.status_code == 429
    assert refused.json()["error"]["detail"] == "5 per 1 minute"
    assert refused["Retry-After"] == "38"


@pytest.mark.django_db
def test_disabled_rate_limiting_lets_everything_through(
    limits, settings, writer_client
) -> None:
    limits(read="1/minute")
    settings.RATE_LIMIT_ENABLED = False

    assert statuses(lambda: writer_client.get("/api/v1/teams"), 5) == [200] * 5


# --- Buckets: per endpoint, per client ---------------------------------------------------


@pytest.mark.django_db
def test_each_endpoint_has_its_own_counter(limits, writer_client, team) -> None:
    limits(read="2/minute")
    statuses(lambda: writer_client.get("/api/v1/teams"), 3)

    assert writer_client.get("/api/v1/assets").status_code == 200
    assert writer_client.get(f"/api/v1/teams/{team.id}").status_code == 200
    assert writer_client.get("/api/v1/teams").status_code == 429


@pytest.mark.django_db
def test_another_key_of_the_same_team_is_not_limited(limits, make_key, team) -> None:
    # Both keys start with "tess_live_": the reference's shared-bucket defect.
    limits(read="2/minute")
    first, second = APIClient(), APIClient()
    for client in (first, second):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(team)[1]}")
    assert statuses(lambda: first.get("/api/v1/teams"), 3) == [200, 200, 429]

    assert statuses(lambda: second.get("/api/v1/teams"), 3) == [200, 200, 429]


@pytest.mark.django_db
def test_the_bootstrap_key_has_a_bucket_of_its_own(
    limits, settings, writer_client
) -> None:
    limits(read="2/minute")
    settings.BOOTSTRAP_API_KEY = "bootstrap-secret"
    bootstrap = APIClient()
    bootstrap.credentials(HTTP_AUTHORIZATION="Bearer bootstrap-secret")
    statuses(lambda: writer_client.get("/api/v1/teams"), 3)

    assert statuses(lambda: bootstrap.get("/api/v1/teams"), 3) == [200, 200, 429]


@pytest.mark.django_db
def test_with_authentication_disabled_every_caller_shares_one_bucket(
    limits, settings, team
) -> None:
    limits(read="2/minute")
    settings.AUTH_DISABLED = True
    anonymous, credentialed = APIClient(), APIClient()
    credentialed.credentials(HTTP_AUTHORIZATION="Bearer whatever")

    assert anonymous.get("/api/v1/teams").status_code == 200
    assert credentialed.get("/api/v1/teams", REMOTE_ADDR="10.9.9.9").status_code == 200
    assert anonymous.get("/api/v1/teams").status_code == 429


@pytest.mark.django_db
def test_schema_validation_is_limited_per_client_ip_under_the_global_limit(
    limits, api_client
) -> None:
    limits(**{"global": "2/minute", "read": "1/minute"})

    def validate(ip: str) -> Any:
        return api_client.post(
            "/api/v1/schemas/validate", {"type": "object"}, REMOTE_ADDR=ip
        )

    assert statuses(lambda: validate("10.0.0.1"), 2) == [200, 200]
    refused = validate("10.0.0.1")
    assert refused.status_code == 429
    assert refused.json()["error"]["detail"] == "2 per 1 minute"
    assert validate("10.0.0.2").status_code == 200
    # X-Forwarded-For is not trusted: it does not buy a fresh bucket.
    refused = api_client.post(
        "/api/v1/schemas/validate",
        {"type": "object"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.77",
    )
    assert refused.status_code == 429


@pytest.mark.django_db
def test_patch_and_put_of_a_team_share_one_bucket(limits, admin_client, team) -> None:
    limits(write="2/minute")
    url = f"/api/v1/teams/{team.id}"

    assert admin_client.patch(url, {"metadata": {"a": 1}}).status_code == 200
    assert admin_client.put(url, {"metadata": {"a": 2}}).status_code == 200
    assert admin_client.patch(url, {"metadata": {"a": 3}}).status_code == 429
    assert admin_client.put(url, {"metadata": {"a": 4}}).status_code == 429
    assert admin_client.delete(url).status_code == 204  # another endpoint


# --- Categories (API.md 5.0, column "Rate") ----------------------------------------------

ID = "00000000-0000-4000-8000-000000000001"
# Each category gets its own count, so the number of answers before the 429 names it.
COUNTS = {"read": 2, "write": 3, "admin": 4, "global": 5}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "body", "category"),
    [
        ("get", "/api/v1/teams", None, "read"),
        ("post", "/api/v1/teams", {"name": "Same name"}, "write"),
        ("post", f"/api/v1/teams/{ID}/restore", None, "write"),
        ("get", "/api/v1/assets/search?q=x", None, "read"),
        ("post", "/api/v1/assets", {"fqn": "a.b", "owner_team_id": ID}, "write"),
        ("post", f"/api/v1/assets/{ID}/impact", {"type": "object"}, "read"),
        ("delete", f"/api/v1/assets/{ID}/dependencies/{ID}", None, "write"),
        (
            "post",
            "/api/v1/contracts/compare",
            {"contract_id_1": ID, "contract_id_2": ID},
            "read",
        ),
        ("get", f"/api/v1/contracts/{ID}", None, "read"),
        ("post", f"/api/v1/proposals/{ID}/withdraw", None, "write"),
        ("get", "/api/v1/api-keys", None, "admin"),
        ("post", "/api/v1/api-keys", {"name": "k", "scopes": ["read"]}, "admin"),
        ("delete", f"/api/v1/api-keys/{ID}", None, "admin"),
        ("get", "/api/v1/audit/events", None, "admin"),
        ("get", f"/api/v1/audit/entities/contract/{ID}/history", None, "admin"),
        ("get", "/api/v1/webhooks/deliveries", None, "admin"),
        ("get", f"/api/v1/webhooks/deliveries/{ID}", None, "admin"),
        ("post", "/api/v1/schemas/validate", {"type": "object"}, "global"),
        ("get", "/redoc", None, "global"),
    ],
)
def test_each_endpoint_counts_against_its_category(
    limits, admin_client, method, url, body, category
) -> None:
    limits(**{name: f"{count}/minute" for name, count in COUNTS.items()})

    def send() -> Any:
        return getattr(admin_client, method)(url, body)

    assert successes_before_refusal(send) == COUNTS[category]


# Every route of API.md 5.0 but /sync (not implemented) and the probes (never limited).
INDEX = [
    ("POST", "/api/v1/teams", "write"),
    ("GET", "/api/v1/teams", "read"),
    ("GET", f"/api/v1/teams/{ID}", "read"),
    ("PATCH", f"/api/v1/teams/{ID}", "write"),
    ("PUT", f"/api/v1/teams/{ID}", "write"),
    ("DELETE", f"/api/v1/teams/{ID}", "write"),
    ("POST", f"/api/v1/teams/{ID}/restore", "write"),
    ("POST", "/api/v1/assets", "write"),
    ("GET", "/api/v1/assets", "read"),
    ("GET", "/api/v1/assets/search", "read"),
    ("GET", f"/api/v1/assets/{ID}", "read"),
    ("PATCH", f"/api/v1/assets/{ID}", "write"),
    ("DELETE", f"/api/v1/assets/{ID}", "write"),
    ("POST", f"/api/v1/assets/{ID}/restore", "write"),
    ("POST", f"/api/v1/assets/{ID}/contracts", "write"),
    ("GET", f"/api/v1/assets/{ID}/contracts", "read"),
    ("GET", f"/api/v1/assets/{ID}/contracts/history", "read"),
    ("GET", f"/api/v1/assets/{ID}/contracts/diff", "read"),
    ("POST", f"/api/v1/assets/{ID}/impact", "read"),
    ("POST", f"/api/v1/assets/{ID}/dependencies", "write"),
    ("GET", f"/api/v1/assets/{ID}/dependencies", "read"),
    ("DELETE", f"/api/v1/assets/{ID}/dependencies/{ID}", "write"),
    ("GET", f"/api/v1/assets/{ID}/lineage", "read"),
    ("GET", "/api/v1/contracts", "read"),
    ("POST", "/api/v1/contracts/compare", "read"),
    ("GET", f"/api/v1/contracts/{ID}", "read"),
    ("GET", f"/api/v1/contracts/{ID}/registrations", "read"),
    ("POST", "/api/v1/registrations", "write"),
    ("GET", "/api/v1/registrations", "read"),
    ("GET", f"/api/v1/registrations/{ID}", "read"),
    ("PATCH", f"/api/v1/registrations/{ID}", "write"),
    ("DELETE", f"/api/v1/registrations/{ID}", "write"),
    ("GET", "/api/v1/proposals", "read"),
    ("GET", f"/api/v1/proposals/{ID}", "read"),
    ("GET", f"/api/v1/proposals/{ID}/status", "read"),
    ("POST", f"/api/v1/proposals/{ID}/acknowledge", "write"),
    ("POST", f"/api/v1/proposals/{ID}/withdraw", "write"),
    ("POST", f"/api/v1/proposals/{ID}/force", "write"),
    ("POST", f"/api/v1/proposals/{ID}/publish", "write"),
    ("POST", "/api/v1/schemas/validate", "global"),
    ("POST", "/api/v1/api-keys", "admin"),
    ("GET", "/api/v1/api-keys", "admin"),
    ("GET", f"/api/v1/api-keys/{ID}", "admin"),
    ("DELETE", f"/api/v1/api-keys/{ID}", "admin"),
    ("GET", "/api/v1/webhooks/deliveries", "admin"),
    ("GET", f"/api/v1/webhooks/deliveries/{ID}", "admin"),
    ("GET", "/api/v1/audit/events", "admin"),
    ("GET", f"/api/v1/audit/events/{ID}", "admin"),
    ("GET", f"/api/v1/audit/entities/contract/{ID}/history", "admin"),
    ("GET", "/openapi.json", "global"),
    ("GET", "/docs", "global"),
    ("GET", "/redoc", "global"),
]


@pytest.mark.parametrize(("method", "path", "category"), INDEX)
def test_the_category_of_every_endpoint_is_the_one_of_the_index(
    method, path, category
) -> None:
    func = resolve(path).func
    view = func.cls(**func.initkwargs)  # type: ignore[attr-defined]
    actions = getattr(func, "actions", None)
    if actions is not None:  # a viewset route: bind its actions as as_view() does
        for bound_method, action in actions.items():
            setattr(view, bound_method, getattr(view, action))
        view.action = actions[method.lower()]
    request = SimpleNamespace(method=method)

    assert ratelimit.is_routed(request, view)  # type: ignore[arg-type]
    assert ratelimit.category_of(request, view) == category  # type: ignore[arg-type]


# --- Never limited -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/health", "/health/live", "/health/ready", "/metrics"]
)
def test_health_probes_and_metrics_are_never_limited(limits, api_client, path) -> None:
    limits(**dict.fromkeys(COUNTS, "1/minute"))

    assert statuses(lambda: api_client.get(path), 4) == [200] * 4


# --- The counters' store ----------------------------------------------------------------


class BrokenCache:
    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("cache down")

    def incr(self, *args: Any, **kwargs: Any) -> int:
        raise ConnectionError("cache down")


class IgnoringCache:
    """django-redis with DJANGO_REDIS_IGNORE_EXCEPTIONS during an outage: None."""

    def add(self, *args: Any, **kwargs: Any) -> None:
        return None

    def incr(self, *args: Any, **kwargs: Any) -> None:
        return None


def unreachable_redis(*, ignore_exceptions: bool) -> Any:
    from django_redis.cache import RedisCache

    options = {"IGNORE_EXCEPTIONS": ignore_exceptions, "SOCKET_CONNECT_TIMEOUT": 0.2}
    return RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": options})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_cache",
    [
        BrokenCache,
        IgnoringCache,
        lambda: unreachable_redis(ignore_exceptions=True),  # the settings' choice
        lambda: unreachable_redis(ignore_exceptions=False),
    ],
    ids=["raising", "answering-none", "redis-down-ignored", "redis-down-raising"],
)
def test_a_failing_cache_lets_requests_through(
    limits, writer_client, monkeypatch, make_cache
) -> None:
    limits(read="1/minute")
    monkeypatch.setattr(ratelimit, "caches", {"default": make_cache()})

    assert statuses(lambda: writer_client.get("/api/v1/teams"), 3) == [200] * 3


@pytest.mark.redis
@pytest.mark.django_db
def test_replicas_share_their_counters_through_redis(
    limits, writer_client, monkeypatch
) -> None:
    from django_redis.cache import RedisCache

    limits(read="3/minute")
    default = settings.CACHES["default"]
    replica_a = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": default["KEY_PREFIX"]})
    replica_b = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": default["KEY_PREFIX"]})
    assert replica_a.client is not replica_b.client

    def get_through(replica: RedisCache) -> int:
        monkeypatch.setattr(ratelimit, "caches", {"default": replica})
        return writer_client.get("/api/v1/teams").status_code

    served = [get_through(r) for r in (replica_a, replica_b, replica_a, replica_b)]

    assert served == [200, 200, 200, 429]


# --- Pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        ("100/minute", "100 per 1 minute"),
        ("2 per second", "2 per 1 second"),
        ("10/2 hours", "10 per 2 hour"),
        ("5/day", "5 per 1 day"),
        ("7/90 seconds", "7 per 90 second"),
    ],
)
def test_the_limit_is_described_as_the_reference_does(limit, text) -> None:
    ((count, seconds),) = config.parse_rate_limit("RATE_LIMIT_READ", limit)

    assert ratelimit.describe(count, seconds) == text


@pytest.mark.parametrize(
    ("exc", "retry_after"),
    [
        (ratelimit.RateLimitExceeded("5 per 1 minute", 12), "12"),
        (Throttled(wait=3.2), "4"),
        (Throttled(), "60"),
        (Ratelimited(), "60"),
    ],
)
def test_every_rate_limit_exception_is_answered_with_the_429_body(
    exc, retry_after
) -> None:
    response = exception_handler(exc, {})

    assert response.status_code == 429
    assert response["Retry-After"] == retry_after
    assert set(response.data["error"]) == {"code", "message", "detail"}
    assert response.data["error"]["code"] == "RATE_LIMIT_EXCEEDED"
