"""The deployment guide, followed to the letter against a real HTTP server.

The guide's "Initial Bootstrap" curl commands run verbatim (only the host changes),
first against Django's live test server, then against gunicorn started with the
guide's ``docker run`` environment (``ENVIRONMENT=production``, no SECRET_KEY).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from teams.models import ApiKey, Team

pytestmark = pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")

BASE_DIR = Path(settings.BASE_DIR)

# Copied from the deployment guide, "Initial Bootstrap", step 2.
GUIDE_BOOTSTRAP = """\
# Create admin team
curl -X POST http://localhost:8000/api/v1/teams \\
  -H "X-API-Key: $BOOTSTRAP_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"name": "Platform"}'

# Create admin API key
curl -X POST http://localhost:8000/api/v1/api-keys \\
  -H "X-API-Key: $BOOTSTRAP_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"name": "admin", "scopes": ["read", "write", "admin"]}'
"""


def run_guide_bootstrap(base_url: str, bootstrap_key: str) -> list[dict[str, Any]]:
    """Run the guide's commands against ``base_url``; return the JSON bodies printed."""
    script = GUIDE_BOOTSTRAP.replace("http://localhost:8000", base_url)
    output = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": os.environ.get("PATH", ""), "BOOTSTRAP_API_KEY": bootstrap_key},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    decoder, bodies, index = json.JSONDecoder(), [], 0
    while index < len(output):
        body, index = decoder.raw_decode(output, index)
        bodies.append(body)
    return bodies


def get(url: str, **headers: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def assert_bootstrapped(bodies: list[dict[str, Any]], base_url: str) -> None:
    team, key = bodies
    assert team["name"] == "Platform"
    assert key["name"] == "admin"
    assert key["scopes"] == ["read", "write", "admin"]
    assert (
        key["team_id"] == team["id"]
    )  # EXT-5: the bootstrap key acts as the first team
    assert key["key"].startswith("tess_live_")
    # Step 3: the returned key is the admin credential from now on.
    status, body = get(f"{base_url}/api/v1/audit/events", **{"X-API-Key": key["key"]})
    assert status == 200
    assert {e["action"] for e in json.loads(body)["results"]} >= {"api_key.created"}


@pytest.mark.django_db(transaction=True)
def test_the_guides_bootstrap_commands_work_verbatim(live_server, settings) -> None:
    settings.BOOTSTRAP_API_KEY = "your-secure-key"

    bodies = run_guide_bootstrap(live_server.url, "your-secure-key")

    assert_bootstrapped(bodies, live_server.url)
    assert Team.objects.get().name == "Platform"
    assert ApiKey.objects.get().scopes == ["read", "write", "admin"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def guide_database_url(tmp_path: Path) -> str:
    """The test database in the guide's spelling; a migrated file on SQLite."""
    if connection.vendor != "postgresql":
        url = f"sqlite:///{tmp_path}/tessera.sqlite3"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR,
            env={**clean_env(), "DATABASE_URL": url},
            capture_output=True,
            check=True,
            timeout=120,
        )
        return url
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgresql+asyncpg://{credentials}@{host}/{db['NAME']}?sslmode=prefer"


def clean_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(BASE_DIR)}


@pytest.fixture
def production_server(transactional_db, tmp_path: Path) -> Iterator[str]:
    """gunicorn with the guide's ``docker run -e`` variables, on a free port."""
    port = free_port()
    env = {
        **clean_env(),
        # The guide's docker run environment ...
        "DATABASE_URL": guide_database_url(tmp_path),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
        "BOOTSTRAP_API_KEY": "your-secure-key",
        "ENVIRONMENT": "production",
        # ... plus the port of this test and a pool sized for it.
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "DB_POOL_SIZE": "2",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "tessera.wsgi:application",
                "--config",
                "python:tessera.gunicorn_conf",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base_url}/health/live")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_guides_docker_run_environment_serves_production(production_server) -> None:
    assert get(f"{production_server}/health/ready") == (
        200,
        b'{"status": "ready", "database": true}',
    )

    bodies = run_guide_bootstrap(production_server, "your-secure-key")

    assert_bootstrapped(bodies, production_server)
    # Without SECRET_KEY, the admin's CSRF token is signed with a key generated once
    # and kept in the database, shared by every replica.
    status, page = get(f"{production_server}/admin/login/")
    assert status == 200
    assert b"csrfmiddlewaretoken" in page
