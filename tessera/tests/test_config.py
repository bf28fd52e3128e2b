"""Unit tests of the environment parsers in ``tessera.config`` (no database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from tessera import config


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("1", True),
        ("on", True),
        ("t", True),
        ("y", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("f", False),
        ("n", False),
    ],
)
def test_booleans_accept_the_documented_spellings(raw: str, expected: bool) -> None:
    assert config.parse_bool("AUTH_DISABLED", raw) is expected


@pytest.mark.parametrize("raw", ["", "maybe", "2", "enabled"])
def test_a_malformed_boolean_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="AUTH_DISABLED"):
        config.parse_bool("AUTH_DISABLED", raw)


def test_integers_are_parsed_and_trimmed() -> None:
    assert config.parse_int("API_PORT", " 8000 ") == 8000


@pytest.mark.parametrize(
    ("raw", "bounds", "expected_text"),
    [
        ("abc", {}, "an integer"),
        ("1.5", {}, "an integer"),
        ("", {}, "an integer"),
        ("-1", {"minimum": 1}, "an integer >= 1"),
        ("70000", {"maximum": 65535}, "an integer <= 65535"),
    ],
)
def test_a_malformed_or_out_of_range_integer_names_the_variable(
    raw: str, bounds: dict[str, int], expected_text: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        config.parse_int("DB_POOL_SIZE", raw, **bounds)
    assert str(error.value) == (
        f"Invalid value for DB_POOL_SIZE: {raw!r} (expected {expected_text})"
    )


def test_floats_are_parsed() -> None:
    assert config.parse_float("WEBHOOK_BACKOFF_SECONDS", "0.5") == 0.5


@pytest.mark.parametrize("raw", ["x", "nan", "inf", "-1"])
def test_a_malformed_or_negative_float_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="WEBHOOK_BACKOFF_SECONDS"):
        config.parse_float("WEBHOOK_BACKOFF_SECONDS", raw)


def test_choices_are_exact_unless_upper_cased() -> None:
    assert (
        config.parse_choice("ENVIRONMENT", "production", config.ENVIRONMENTS)
        == "production"
    )
    assert (
        config.parse_choice("LOG_LEVEL", "debug", config.LOG_LEVELS, upper=True)
        == "DEBUG"
    )
    with pytest.raises(ImproperlyConfigured, match="ENVIRONMENT"):
        config.parse_choice("ENVIRONMENT", "Production", config.ENVIRONMENTS)
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL"):
        config.parse_choice("LOG_LEVEL", "verbose", config.LOG_LEVELS, upper=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1000/minute", [(1000, 60)]),
        ("100/minutes", [(100, 60)]),
        ("100 per minute", [(100, 60)]),
        ("5/second", [(5, 1)]),
        ("10/Hour", [(10, 3600)]),
        ("1/day", [(1, 86400)]),
        ("10 per 5 minutes", [(10, 300)]),
        ("10/second;1000/hour", [(10, 1), (1000, 3600)]),
    ],
)
def test_rate_limits_use_the_references_syntax(
    raw: str, expected: list[tuple[int, int]]
) -> None:
    assert config.parse_rate_limit("RATE_LIMIT_READ", raw) == expected


@pytest.mark.parametrize(
    "raw", ["abc", "", "100", "0/minute", "100/fortnight", "1/minute;"]
)
def test_a_malformed_rate_limit_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_READ"):
        config.parse_rate_limit("RATE_LIMIT_READ", raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*", ["*"]),
        ("https://a.com,https://b.com", ["https://a.com", "https://b.com"]),
        (" https://a.com , ", ["https://a.com"]),
        ('["https://a.com", "https://b.com"]', ["https://a.com", "https://b.com"]),
        ("", []),
    ],
)
def test_lists_accept_a_json_array_a_comma_list_or_a_star(
    raw: str, expected: list[str]
) -> None:
    assert config.parse_list("CORS_ORIGINS", raw) == expected


@pytest.mark.parametrize("raw", ['["https://a.com"', "[1, 2]", '[{"a": 1}]'])
def test_a_malformed_json_list_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CORS_ORIGINS"):
        config.parse_list("CORS_ORIGINS", raw)


def test_urls_need_an_allowed_scheme_and_a_host() -> None:
    assert config.parse_url("WEBHOOK_URL", "https://hooks.example.com/x") == (
        "https://hooks.example.com/x"
    )
    assert config.parse_url("REDIS_URL", "redis://redis:6379/0", schemes=("redis",))
    for raw in ("hooks.example.com", "ftp://example.com", "https://"):
        with pytest.raises(ImproperlyConfigured, match="WEBHOOK_URL"):
            config.parse_url("WEBHOOK_URL", raw)


def test_the_guides_asyncpg_url_loses_its_driver_and_keeps_sslmode() -> None:
    database = config.database_config(
        "postgresql+asyncpg://user:pass@db-host:5432/tessera?sslmode=require"
    )

    assert database["ENGINE"] == "tessera.db.pgschemas"
    assert database["NAME"] == "tessera"
    assert database["USER"] == "user"
    assert database["PASSWORD"] == "pass"
    assert database["HOST"] == "db-host"
    assert database["PORT"] == 5432
    assert database["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:pass@db-host:5432/tessera",
        "postgresql://user:pass@db-host:5432/tessera",
        "postgresql+psycopg://user:pass@db-host:5432/tessera",
        "POSTGRESQL://user:pass@db-host:5432/tessera",
    ],
)
def test_every_postgres_spelling_gets_the_schema_backend(url: str) -> None:
    database = config.database_config(url)

    assert database["ENGINE"] == "tessera.db.pgschemas"
    assert (database["HOST"], database["NAME"]) == ("db-host", "tessera")


def test_query_options_become_connection_options() -> None:
    database = config.database_config(
        "postgresql://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5"
    )
    assert database["OPTIONS"] == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ca.pem",
        "connect_timeout": "5",
    }


def test_a_percent_encoded_password_is_decoded() -> None:
    assert config.database_config("postgresql://u:p%40ss@h/db")["PASSWORD"] == "p@ss"


def test_the_pool_maps_onto_psycopgs_pool_and_the_pool_owns_connection_lifetime() -> (
    None
):
    pool = {"min_size": 20, "max_size": 30, "timeout": 30, "max_lifetime": 3600}
    database = config.database_config("postgresql://u@h/db?sslmode=require", pool=pool)

    assert database["OPTIONS"] == {"sslmode": "require", "pool": pool}
    assert database["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:////var/lib/tessera/db.sqlite3", "/var/lib/tessera/db.sqlite3"),
        ("sqlite:///relative.sqlite3", "relative.sqlite3"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
    ],
)
def test_sqlite_urls_name_a_file_or_memory(url: str, name: str) -> None:
    database = config.database_config(url)

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == name


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgresql://", "not a url", "redis://localhost:6379/0"]
)
def test_an_unsupported_database_url_names_the_variable(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        config.database_config(url)
