"""URL routes: the API under /api/v1 (slash-less), health, docs and the admin."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, include, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from tessera import errors, health, metrics


# Exempt from CSRF: a POST to "/x/" or to an unknown route must get the 307 or the
# 404 envelope, not the CSRF middleware's HTML 403.
@csrf_exempt
def not_found(request: HttpRequest, unmatched: str = "") -> HttpResponse:
    """Unknown routes: a 404 envelope, or a 307 to the slash-less route (API.md 1)."""
    if request.path.endswith("/") and request.path != "/":
        target = request.path.rstrip("/")
        try:
            match = resolve(target)
        except Resolver404:
            match = None
        # Every path resolves to this catch-all: redirect only to a real route.
        if match is not None and match.url_name != "not-found":
            query = request.META.get("QUERY_STRING", "")
            response = HttpResponseRedirect(target + (f"?{query}" if query else ""))
            response.status_code = 307
            return response
    return errors.json_not_found(request)


api_v1 = [
    path("", include("teams.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("contracts.api.urls")),
    path("", include("webhooks.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("health", health.health, name="health"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name=metrics.URL_NAME),
    path("openapi.json", SpectacularAPIView.as_view(), name="openapi"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="openapi"), name="redoc"),
    path("admin/", admin.site.urls),
    # APPEND_SLASH is off for the API; the admin's entry point still answers "/admin".
    path("admin", RedirectView.as_view(url="/admin/")),
    re_path(r"^(?P<unmatched>.*)$", not_found, name="not-found"),
]

handler400 = errors.json_bad_request
handler403 = errors.json_permission_denied
handler404 = errors.json_not_found
handler500 = errors.json_server_error
