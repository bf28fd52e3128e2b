"""A SECRET_KEY generated once and kept in the database, shared by all replicas.

Used when ``SECRET_KEY`` is not set outside development. The row is created by
``migrate`` (a ``post_migrate`` handler), so it is committed before any request runs;
the value is read lazily, at its first use inside a request (sessions, CSRF).
"""

import secrets
from functools import cache
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.utils.functional import lazy

SECRET_KEY_NAME = "django_secret_key"


@cache
def _load() -> str:
    from teams.models import InstanceSecret

    # Normally the row exists since migrate; created here only for a database
    # migrated before the post_migrate handler existed.
    row, _ = InstanceSecret.objects.get_or_create(
        name=SECRET_KEY_NAME, defaults={"value": secrets.token_urlsafe(50)}
    )
    return row.value


def database_secret_key() -> str:
    return lazy(_load, str)()  # type: ignore[no-any-return]


def create_secret_key(*, using: str, apps: Apps = global_apps, **kwargs: Any) -> None:
    """``post_migrate``: create the key once, outside any request's transaction.

    ``migrate`` passes its historical ``apps``; ``flush`` passes none.

    Created inside a request instead, it would be lost with a request that fails
    while the process went on signing with it, and other replicas would make another.
    """
    try:
        model = apps.get_model("teams", "InstanceSecret")
    except LookupError:  # migrated backwards past the table
        return
    model.objects.using(using).get_or_create(
        name=SECRET_KEY_NAME, defaults={"value": secrets.token_urlsafe(50)}
    )
