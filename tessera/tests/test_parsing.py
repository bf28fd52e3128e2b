"""Request bodies are read as JSON whatever their Content-Type (API.md 1)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(make_key, team):  # type: ignore[no-untyped-def]
    return make_key(team, ["read", "write", "admin"])[1]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "application/merge-patch+json",
        "application/x-www-form-urlencoded",
        "text/plain",
    ],
)
def test_a_json_body_is_read_whatever_its_content_type(key, content_type):
    headers = {"HTTP_X_API_KEY": key}
    if content_type is not None:
        headers["CONTENT_TYPE"] = content_type
    response = Client().generic(
        "POST", "/api/v1/teams", b'{"name": "Data Eng"}', **headers
    )

    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Data Eng"


def test_a_body_that_is_not_json_is_a_422_json_invalid(key):
    response = Client().post(
        "/api/v1/teams",
        "name=Data",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_API_KEY=key,
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_a_multipart_upload_is_refused_with_415(key):
    response = Client().post("/api/v1/teams", {"name": "Data"}, HTTP_X_API_KEY=key)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "BAD_REQUEST"
