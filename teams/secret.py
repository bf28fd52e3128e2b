"""A SECRET_KEY generated once and kept in the database, shared by all replicas.

Used when ``SECRET_KEY`` is not set outside development. The value is resolved lazily,
at its first use inside a request (sessions, CSRF), when the database is migrated.
"""

import secrets
from functools import cache

from django.utils.functional import lazy


@cache
def _load() -> str:
    from teams.models import InstanceSecret

    row, _ = InstanceSecret.objects.get_or_create(
        name="django_secret_key", defaults={"value": secrets.token_urlsafe(50)}
    )
    return row.value


def database_secret_key() -> str:
    return lazy(_load, str)()  # type: ignore[no-any-return]
