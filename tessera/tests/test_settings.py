"""Start-up configuration: every variable of the deployment guide, tested for real.

Settings are read once, at import, so each case starts a fresh interpreter that runs
``django.setup()`` with a clean environment, exactly as a container would.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)

# Prints the parsed value of every setting the guide's variables drive. SECRET_KEY is
# left out: outside development it is read from the database on first use.
REPORT = """
import json, logging
import django
django.setup()
from django.conf import settings as s
database = s.DATABASES["default"]
print(json.dumps({
    "ENVIRONMENT": s.ENVIRONMENT, "DEBUG": s.DEBUG,
    "ENGINE": database["ENGINE"], "NAME": str(database["NAME"]),
    "HOST": database.get("HOST"), "PORT": database.get("PORT"),
    "USER": database.get("USER"), "PASSWORD": database.get("PASSWORD"),
    "OPTIONS": database.get("OPTIONS", {}), "ATOMIC_REQUESTS": database["ATOMIC_REQUESTS"],
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": s.CACHES["default"].get("LOCATION"),
    "REDIS_URL": s.REDIS_URL, "API_HOST": s.API_HOST, "API_PORT": s.API_PORT,
    "AUTH_DISABLED": s.AUTH_DISABLED, "BOOTSTRAP_API_KEY": s.BOOTSTRAP_API_KEY,
    "CORS_ORIGINS": s.CORS_ORIGINS,
    "CORS_ALLOW_ALL_ORIGINS": getattr(s, "CORS_ALLOW_ALL_ORIGINS", False),
    "CORS_ALLOWED_ORIGINS": getattr(s, "CORS_ALLOWED_ORIGINS", []),
    "CORS_ALLOW_CREDENTIALS": s.CORS_ALLOW_CREDENTIALS,
    "CORS_ALLOW_METHODS_SETTING": s.CORS_ALLOW_METHODS_SETTING,
    "CORS_ALLOW_METHODS": sorted(s.CORS_ALLOW_METHODS),
    "RATE_LIMIT_ENABLED": s.RATE_LIMIT_ENABLED, "RATE_LIMITS": s.RATE_LIMITS,
    "DB_POOL_SIZE": s.DB_POOL_SIZE, "DB_MAX_OVERFLOW": s.DB_MAX_OVERFLOW,
    "DB_POOL_TIMEOUT": s.DB_POOL_TIMEOUT, "DB_POOL_RECYCLE": s.DB_POOL_RECYCLE,
    "CACHE_TTL": s.CACHE_TTL, "CACHE_TTL_CONTRACT": s.CACHE_TTL_CONTRACT,
    "CACHE_TTL_ASSET": s.CACHE_TTL_ASSET, "CACHE_TTL_TEAM": s.CACHE_TTL_TEAM,
    "CACHE_TTL_SCHEMA": s.CACHE_TTL_SCHEMA,
    "MAX_SCHEMA_SIZE_BYTES": s.MAX_SCHEMA_SIZE_BYTES,
    "MAX_SCHEMA_PROPERTIES": s.MAX_SCHEMA_PROPERTIES,
    "MAX_FQN_LENGTH": s.MAX_FQN_LENGTH, "MAX_TEAM_NAME_LENGTH": s.MAX_TEAM_NAME_LENGTH,
    "WEBHOOK_URL": s.WEBHOOK_URL, "WEBHOOK_SECRET": s.WEBHOOK_SECRET,
    "LOG_LEVEL": s.LOG_LEVEL, "ROOT_LOG_LEVEL": logging.getLogger().level,
    "DEFAULT_ENVIRONMENT": s.DEFAULT_ENVIRONMENT,
    "IMPACT_DEPTH_DEFAULT": s.IMPACT_DEPTH_DEFAULT, "IMPACT_DEPTH_MAX": s.IMPACT_DEPTH_MAX,
    "PAGINATION_LIMIT_DEFAULT": s.PAGINATION_LIMIT_DEFAULT,
    "PAGINATION_LIMIT_MAX": s.PAGINATION_LIMIT_MAX,
}))
"""

# A .env file in the checkout is read at start-up and would change the defaults.
needs_no_dotenv = pytest.mark.skipif(
    (BASE_DIR / ".env").exists(),
    reason="a .env file in the checkout overrides the defaults",
)


def start(env: dict[str, str], code: str = REPORT) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter whose environment is only ``env``."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "tessera.settings",
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def report(env: dict[str, str]) -> dict[str, Any]:
    result = start(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def defaults() -> dict[str, Any]:
    """The settings of a start with an empty environment."""
    return report({})


def refused(env: dict[str, str]) -> str:
    """Start with ``env``, expect a refusal, and return its message."""
    result = start(env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


@needs_no_dotenv
def test_every_variable_of_the_guide_has_the_guides_default(
    defaults: dict[str, Any],
) -> None:
    values = defaults

    assert values["ENVIRONMENT"] == "development"
    assert values["API_HOST"] == "0.0.0.0"
    assert values["API_PORT"] == 8000
    assert values["REDIS_URL"] == ""
    assert values["AUTH_DISABLED"] is False
    assert values["BOOTSTRAP_API_KEY"] == ""
    assert values["CORS_ORIGINS"] == ["*"]
    assert values["CORS_ALLOW_METHODS_SETTING"] == [
        "GET",
        "POST",
        "PATCH",
        "DELETE",
        "OPTIONS",
    ]
    assert values["RATE_LIMIT_ENABLED"] is True
    assert values["RATE_LIMITS"] == {
        "read": [[1000, 60]],
        "write": [[100, 60]],
        "admin": [[50, 60]],
        "global": [[5000, 60]],
    }
    assert (
        values["DB_POOL_SIZE"],
        values["DB_MAX_OVERFLOW"],
        values["DB_POOL_TIMEOUT"],
        values["DB_POOL_RECYCLE"],
    ) == (20, 10, 30, 3600)
    assert (
        values["CACHE_TTL"],
        values["CACHE_TTL_CONTRACT"],
        values["CACHE_TTL_ASSET"],
        values["CACHE_TTL_TEAM"],
        values["CACHE_TTL_SCHEMA"],
    ) == (300, 600, 300, 300, 3600)
    assert values["MAX_SCHEMA_SIZE_BYTES"] == 1_000_000
    assert values["MAX_SCHEMA_PROPERTIES"] == 1000
    assert values["MAX_FQN_LENGTH"] == 1000
    assert values["MAX_TEAM_NAME_LENGTH"] == 255
    assert values["WEBHOOK_URL"] == ""
    assert values["WEBHOOK_SECRET"] == ""
    assert values["LOG_LEVEL"] == "INFO"


@needs_no_dotenv
def test_the_variables_the_guide_does_not_list_have_the_references_defaults(
    defaults: dict[str, Any],
) -> None:
    values = defaults

    assert values["DEFAULT_ENVIRONMENT"] == "production"
    assert (values["IMPACT_DEPTH_DEFAULT"], values["IMPACT_DEPTH_MAX"]) == (5, 10)
    assert (values["PAGINATION_LIMIT_DEFAULT"], values["PAGINATION_LIMIT_MAX"]) == (
        50,
        100,
    )


@needs_no_dotenv
def test_development_without_a_database_url_uses_sqlite_and_the_local_memory_cache(
    defaults: dict[str, Any],
) -> None:
    values = defaults

    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["DEBUG"] is True


def test_every_request_runs_in_a_transaction(defaults: dict[str, Any]) -> None:
    assert defaults["ATOMIC_REQUESTS"] is True


def test_the_guides_asyncpg_database_url_with_sslmode_is_accepted() -> None:
    values = report(
        {
            "DATABASE_URL": "postgresql+asyncpg://user:pass@db-host:5432/tessera?sslmode=require"
        }
    )

    assert values["ENGINE"] == "tessera.db.pgschemas"
    assert (values["HOST"], values["PORT"], values["NAME"]) == (
        "db-host",
        5432,
        "tessera",
    )
    assert (values["USER"], values["PASSWORD"]) == ("user", "pass")
    assert values["OPTIONS"]["sslmode"] == "require"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:pass@db-host:5432/tessera",
        "postgresql://user:pass@db-host:5432/tessera",
    ],
)
def test_plain_postgres_urls_are_accepted(url: str) -> None:
    values = report({"DATABASE_URL": url})

    assert values["ENGINE"] == "tessera.db.pgschemas"
    assert values["NAME"] == "tessera"


def test_a_sqlite_url_is_accepted(tmp_path: Path) -> None:
    values = report({"DATABASE_URL": f"sqlite:///{tmp_path}/tessera.sqlite3"})

    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == f"{tmp_path}/tessera.sqlite3"


def test_the_pool_variables_size_the_psycopg_pool() -> None:
    values = report(
        {
            "DATABASE_URL": "postgresql://u@db-host/tessera",
            "DB_POOL_SIZE": "5",
            "DB_MAX_OVERFLOW": "3",
            "DB_POOL_TIMEOUT": "7",
            "DB_POOL_RECYCLE": "60",
        }
    )

    # The guide's budget: at most DB_POOL_SIZE + DB_MAX_OVERFLOW connections a process.
    assert values["OPTIONS"]["pool"] == {
        "min_size": 5,
        "max_size": 8,
        "timeout": 7,
        "max_lifetime": 60,
    }


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_a_database_url_is_required_outside_development(environment: str) -> None:
    message = refused({"ENVIRONMENT": environment})

    assert "DATABASE_URL" in message
    assert environment in message


def test_the_guides_docker_run_environment_is_enough_to_start_production() -> None:
    values = report(
        {
            "DATABASE_URL": "postgresql+asyncpg://user:pass@db-host:5432/tessera",
            "REDIS_URL": "redis://redis-host:6379/0",
            "BOOTSTRAP_API_KEY": "your-secure-key",
            "ENVIRONMENT": "production",
        }
    )

    assert values["ENVIRONMENT"] == "production"
    assert values["DEBUG"] is False
    assert values["BOOTSTRAP_API_KEY"] == "your-secure-key"
    assert values["CACHE_BACKEND"] == "django_redis.cache.RedisCache"
    assert values["CACHE_LOCATION"] == "redis://redis-host:6379/0"


def test_auth_disabled_is_refused_in_production() -> None:
    message = refused(
        {
            "ENVIRONMENT": "production",
            "DATABASE_URL": "postgresql://u@h/db",
            "AUTH_DISABLED": "true",
        }
    )

    assert "AUTH_DISABLED" in message


def test_auth_disabled_is_allowed_in_development() -> None:
    assert report({"AUTH_DISABLED": "true"})["AUTH_DISABLED"] is True


def test_the_guides_configmap_values_are_accepted() -> None:
    values = report(
        {
            "ENVIRONMENT": "production",
            "DATABASE_URL": "postgresql://u@h/db",
            "API_HOST": "0.0.0.0",
            "API_PORT": "8000",
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_READ": "1000/minute",
            "RATE_LIMIT_WRITE": "100/minute",
            "CORS_ORIGINS": "https://your-domain.com",
            "DB_POOL_SIZE": "20",
            "DB_MAX_OVERFLOW": "10",
        }
    )

    assert values["CORS_ALLOWED_ORIGINS"] == ["https://your-domain.com"]
    assert values["CORS_ALLOW_ALL_ORIGINS"] is False
    assert values["CORS_ALLOW_CREDENTIALS"] is True
    # Production restricts CORS methods to CORS_ALLOW_METHODS.
    assert values["CORS_ALLOW_METHODS"] == ["DELETE", "GET", "OPTIONS", "PATCH", "POST"]
    assert values["OPTIONS"]["pool"]["max_size"] == 30


def test_a_json_array_of_origins_is_accepted() -> None:
    values = report({"CORS_ORIGINS": '["https://a.example", "https://b.example"]'})

    assert values["CORS_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_rate_limits_use_the_configured_strings() -> None:
    values = report({"RATE_LIMIT_READ": "10 per second", "RATE_LIMIT_ENABLED": "false"})

    assert values["RATE_LIMITS"]["read"] == [[10, 1]]
    assert values["RATE_LIMIT_ENABLED"] is False


def test_a_variable_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "bootstrap"
    secret.write_text("from-a-kubernetes-secret")

    values = report({"BOOTSTRAP_API_KEY_FILE": str(secret)})

    assert values["BOOTSTRAP_API_KEY"] == "from-a-kubernetes-secret"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT_READ", "abc"),
        ("RATE_LIMIT_WRITE", "100"),
        ("RATE_LIMIT_ADMIN", "50/fortnight"),
        ("RATE_LIMIT_GLOBAL", "0/minute"),
        ("RATE_LIMIT_ENABLED", "perhaps"),
        ("DB_POOL_SIZE", "-1"),
        ("DB_POOL_SIZE", "twenty"),
        ("DB_MAX_OVERFLOW", "-1"),
        ("DB_POOL_TIMEOUT", "0"),
        ("DB_POOL_RECYCLE", "1h"),
        ("API_PORT", "http"),
        ("API_PORT", "70000"),
        ("ENVIRONMENT", "prod"),
        ("LOG_LEVEL", "LOUD"),
        ("AUTH_DISABLED", "maybe"),
        ("CACHE_TTL", "-5"),
        ("CACHE_TTL_CONTRACT", "ten"),
        ("CACHE_TTL_ASSET", "1.5"),
        ("CACHE_TTL_TEAM", "x"),
        ("CACHE_TTL_SCHEMA", "-1"),
        ("MAX_SCHEMA_SIZE_BYTES", "0"),
        ("MAX_SCHEMA_PROPERTIES", "lots"),
        ("MAX_FQN_LENGTH", "2000"),
        ("MAX_TEAM_NAME_LENGTH", "256"),
        ("DATABASE_URL", "mysql://user@host/tessera"),
        ("REDIS_URL", "http://redis-host:6379"),
        ("WEBHOOK_URL", "not-a-url"),
        ("CORS_ORIGINS", '["https://a.example"'),
        ("CORS_ALLOW_METHODS", "[1, 2]"),
        ("PAGINATION_LIMIT_MAX", "0"),
        ("PAGINATION_LIMIT_DEFAULT", "500"),
        ("IMPACT_DEPTH_DEFAULT", "11"),
    ],
)
def test_a_malformed_value_stops_start_up_with_a_message_naming_the_variable(
    name: str, value: str
) -> None:
    message = refused({name: value})

    assert name in message
    assert repr(value) in message or value in message


def test_the_log_level_is_applied_and_logs_go_to_stdout() -> None:
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('tessera.probe').debug('debug line'); "
        "logging.getLogger('tessera.probe').info('info line')"
    )
    debug = start({"LOG_LEVEL": "DEBUG"}, code)
    default = start({}, code)

    assert debug.returncode == 0, debug.stderr
    assert "DEBUG tessera.probe" in debug.stdout
    assert "debug line" in debug.stdout
    assert "info line" in default.stdout
    assert "debug line" not in default.stdout
    assert "line" not in debug.stderr + default.stderr


def test_the_log_level_is_case_insensitive() -> None:
    values = report({"LOG_LEVEL": "warning"})

    assert values["LOG_LEVEL"] == "WARNING"
    assert values["ROOT_LOG_LEVEL"] == 30


def test_gunicorn_binds_to_api_host_and_api_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = BASE_DIR / "tessera" / "gunicorn_conf.py"
    monkeypatch.delenv("API_HOST", raising=False)
    monkeypatch.delenv("API_PORT", raising=False)
    assert runpy.run_path(str(path))["bind"] == "0.0.0.0:8000"

    monkeypatch.setenv("API_HOST", "127.0.0.1")
    monkeypatch.setenv("API_PORT", "9000")
    assert runpy.run_path(str(path))["bind"] == "127.0.0.1:9000"
