"""Parsing and validation of the environment variables of the deployment guide.

Every function raises ``ImproperlyConfigured`` with a message naming the variable, so a
malformed value stops start-up instead of surfacing later as a strange runtime error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "staging", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "f", "n"})

# "100/minute", "100 per minute", "10/second;1000/hour" (WORKFLOWS.md 15.2).
_LIMIT_PART = re.compile(
    r"^\s*(?P<count>\d+)\s*(?:/|\s+per\s+)\s*(?:(?P<multiplier>\d+)\s+)?"
    r"(?P<unit>second|minute|hour|day)s?\s*$",
    re.IGNORECASE,
)
UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _invalid(name: str, raw: object, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Invalid value for {name}: {raw!r} (expected {expected})"
    )


def parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _invalid(name, raw, "true/false, 1/0, yes/no or on/off")


def parse_int(
    name: str, raw: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise _invalid(name, raw, "an integer") from None
    if minimum is not None and value < minimum:
        raise _invalid(name, raw, f"an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise _invalid(name, raw, f"an integer <= {maximum}")
    return value


def parse_float(name: str, raw: str, *, minimum: float = 0.0) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise _invalid(name, raw, "a number") from None
    if value != value or value < minimum or value == float("inf"):
        raise _invalid(name, raw, f"a finite number >= {minimum:g}")
    return value


def parse_choice(
    name: str, raw: str, choices: tuple[str, ...], *, upper: bool = False
) -> str:
    value = raw.strip().upper() if upper else raw.strip()
    if value not in choices:
        raise _invalid(name, raw, "one of " + ", ".join(choices))
    return value


def parse_rate_limit(name: str, raw: str) -> list[tuple[int, int]]:
    """Parse ``"100/minute"`` (or several, separated by ``;``) into (count, seconds) pairs."""
    limits = []
    for part in raw.split(";"):
        match = _LIMIT_PART.match(part)
        if not match or int(match["count"]) < 1:
            raise _invalid(name, raw, "a limit such as '100/minute' or '10 per second'")
        seconds = UNIT_SECONDS[match["unit"].lower()] * int(match["multiplier"] or 1)
        limits.append((int(match["count"]), seconds))
    return limits


def parse_list(name: str, raw: str) -> list[str]:
    """Accept a JSON array, a comma-separated list, or ``*`` (WORKFLOWS.md 16)."""
    text = raw.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            raise _invalid(
                name, raw, "a JSON array or a comma-separated list"
            ) from None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _invalid(name, raw, "a JSON array of strings")
        return [v.strip() for v in values if v.strip()]
    return [v.strip() for v in text.split(",") if v.strip()]


def parse_url(
    name: str, raw: str, *, schemes: tuple[str, ...] = ("http", "https")
) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in schemes or not parts.hostname:
        raise _invalid(name, raw, "an absolute " + "/".join(schemes) + " URL")
    return raw.strip()


def database_config(
    url: str, *, pool: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build a ``DATABASES`` entry from a URL, accepting the guide's forms.

    ``postgresql+asyncpg://…`` (the reference's SQLAlchemy spelling) loses its driver
    suffix; query options such as ``sslmode`` become libpq connection options.
    PostgreSQL gets Django's native psycopg pool and the three-schema backend.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.split("+", 1)[0].lower()
    if scheme in ("postgres", "postgresql", "pgsql"):
        if not parts.hostname and not parts.path.strip("/"):
            raise _invalid(
                "DATABASE_URL", url, "postgresql://user:pass@host:5432/dbname"
            )
        options = dict(parse_qsl(parts.query))
        bare = urlunsplit(("postgres", parts.netloc, parts.path, "", ""))
        config = environ.Env.db_url_config(bare)
        config["ENGINE"] = "tessera.db.pgschemas"
        config["OPTIONS"] = {**options}
        config["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
        config["CONN_HEALTH_CHECKS"] = False
        if pool:
            config["OPTIONS"]["pool"] = dict(pool)
        return config
    if scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory:
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc and parts.netloc != "localhost":
            path = parts.netloc + parts.path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            # Writers wait for the lock instead of failing at once (dev server + worker).
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    raise _invalid(
        "DATABASE_URL", url, "a postgresql://, postgres:// or sqlite:/// URL"
    )
