"""The project's routes plus a few views that fail on purpose (error-path tests)."""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams.models import Team
from tessera import urls as project_urls
from tessera.errors import BadRequestError

# What the last request's view saw, for the tests to inspect.
observed: dict[str, object] = {}


class OpenView(APIView):
    authentication_classes = ()
    permission_classes = ()


class BoomView(OpenView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")


class WriteThenFailView(OpenView):
    """Write a row, then fail: with an unhandled error or with a domain error."""

    def post(self, request: Request) -> Response:
        Team.objects.create(name=request.data["name"])
        if request.data.get("domain_error"):
            raise BadRequestError("refused after writing")
        raise RuntimeError("boom after writing")


class WriteView(OpenView):
    def post(self, request: Request) -> Response:
        observed["in_atomic_block"] = connection.in_atomic_block
        transaction.on_commit(lambda: observed.setdefault("committed", True))
        team = Team.objects.create(name=request.data["name"])
        return Response({"id": str(team.id)}, status=201)


def django_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom outside DRF")


urlpatterns = [
    path("test/boom", BoomView.as_view()),
    path("test/write-then-fail", WriteThenFailView.as_view()),
    path("test/write", WriteView.as_view()),
    path("test/django-boom", django_boom),
    *project_urls.urlpatterns,
]

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
