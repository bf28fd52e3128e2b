"""OpenAPI, Swagger UI and ReDoc (offline), and the browsable API on every GET route."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator

pytestmark = pytest.mark.django_db


class References(HTMLParser):
    """Every URL a page loads by itself: scripts, stylesheets, icons, images, fonts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


# --- OpenAPI ----------------------------------------------------------------------------


def test_the_openapi_document_is_served_without_credentials(api_client) -> None:
    response = api_client.get("/openapi.json", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Tessera API"
    for path in (
        "/api/v1/teams",
        "/api/v1/teams/{team_id}",
        "/api/v1/teams/{team_id}/restore",
        "/api/v1/api-keys",
        "/api/v1/api-keys/{key_id}",
        "/api/v1/audit/events",
        "/api/v1/audit/events/{event_id}",
        "/api/v1/audit/entities/{entity_type}/{entity_id}/history",
    ):
        assert path in document["paths"], path


def test_the_openapi_document_describes_both_credential_headers(api_client) -> None:
    document = api_client.get("/openapi.json", HTTP_ACCEPT="application/json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert schemes["BearerAuth"] == {"type": "http", "scheme": "bearer"}
    # Either header on its own authenticates: two alternatives, not one joint requirement.
    security = document["paths"]["/api/v1/teams"]["get"]["security"]
    assert {"ApiKeyHeader": []} in security
    assert {"BearerAuth": []} in security


def test_the_platforms_views_generate_no_schema_warning() -> None:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()

    ours = [m for m in messages if re.search(r"(teams|audit|tessera)/[\w/]+\.py", m)]
    assert ours == []


# --- Swagger UI and ReDoc, offline ------------------------------------------------------


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_pages_load_only_files_of_this_host(api_client, page) -> None:
    response = api_client.get(page)

    assert response.status_code == 200
    urls = references(response.content.decode())
    assert urls
    for url in urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"


def test_redoc_asks_nothing_of_google_fonts_or_a_cdn(api_client) -> None:
    html = api_client.get("/redoc").content.decode()

    assert "fonts.googleapis.com" not in html
    assert "fonts.gstatic.com" not in html
    # The bundle itself shows a logo from cdn.redoc.ly: the page's policy blocks it.
    assert "img-src 'self' data:" in html
    assert "default-src 'self'" in html


def test_swagger_ui_is_told_not_to_call_the_online_validator(api_client) -> None:
    html = api_client.get("/docs").content.decode()

    assert '"validatorUrl": null' in html


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs the chromium browser")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("page", "rendered"), [("docs", "opblock"), ("redoc", "Tessera API")]
)
def test_a_browser_renders_the_documentation_without_leaving_the_host(
    live_server, tmp_path: Path, page: str, rendered: str
) -> None:
    netlog = tmp_path / "netlog.json"
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            # No request may leave the machine: other hosts do not resolve. Attempts
            # still appear in the network log, which is what the test inspects.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            f"--log-net-log={netlog}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{live_server.url}/{page}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout

    assert rendered in dom
    requested = set(re.findall(r'"url":"(https?://[^"]+)"', netlog.read_text()))
    page_requests = {url for url in requested if url.startswith(live_server.url)}
    assert f"{live_server.url}/openapi.json" in page_requests
    # Chromium's own background calls (accounts, updates) also appear in the log;
    # what matters is that the page asked for no font, CDN asset or validator.
    for host in (
        "fonts.googleapis.com",
        "fonts.gstatic.com",
        "cdn.redoc.ly",
        "validator.swagger.io",
        "cdn.jsdelivr.net",
        "unpkg.com",
    ):
        assert not [url for url in requested if host in url], host


# --- The browsable API ------------------------------------------------------------------


# A fixed id keeps the test ids stable (pytest-xdist collects in every worker).
SAMPLE_ID = "00000000-0000-4000-8000-000000000000"


def api_get_routes() -> list[str]:
    """Every GET route of the API, with sample values in its path parameters."""
    routes = []
    for path, _, method, _ in EndpointEnumerator().get_api_endpoints():
        if method == "GET" and path.startswith("/api/v1/"):
            routes.append(re.sub(r"\{entity_type\}", "contract", path))
    return sorted({re.sub(r"\{\w+\}", SAMPLE_ID, route) for route in routes})


@pytest.fixture
def staff_browser(team) -> Client:
    user = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_browsable_api_renders_for_a_staff_session(staff_browser) -> None:
    response = staff_browser.get("/api/v1/teams", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Producers" in response.content.decode()


def test_the_browsable_api_renders_for_an_api_key(admin_client) -> None:
    response = admin_client.get("/api/v1/audit/events", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_json_stays_the_default_without_an_accept_header(admin_client) -> None:
    assert admin_client.get("/api/v1/teams")["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", api_get_routes())
def test_every_get_route_renders_in_the_browsable_api(staff_browser, route) -> None:
    response = staff_browser.get(route, HTTP_ACCEPT="text/html")

    # Sample ids do not exist: a 404 page (or a 422 for a route needing a parameter) is
    # fine, a crash of the renderer is not.
    assert response.status_code in (200, 404, 422), (route, response.status_code)
    assert response["Content-Type"].startswith("text/html")
