import pytest


@pytest.mark.django_db
def test_bootstrap_creates_team_then_key(api_client, settings):
    settings.BOOTSTRAP_API_KEY = "boot"
    r = api_client.post("/api/v1/teams", {"name": "Platform"}, format="json", HTTP_X_API_KEY="boot")
    assert r.status_code == 201, r.content
    r = api_client.post(
        "/api/v1/api-keys",
        {"name": "admin", "scopes": ["read", "write", "admin"]},
        format="json",
        HTTP_X_API_KEY="boot",
    )
    assert r.status_code == 201, r.content
    key = r.json()["key"]
    r = api_client.get("/api/v1/teams", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 200
    assert r.json()["total"] == 1
