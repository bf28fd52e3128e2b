"""Checking the database quickly, for probes that must answer even when it is down."""

from __future__ import annotations

from typing import Any

from django.db import connection


def existing_pool() -> Any:
    """The default connection's psycopg pool, or None (SQLite, or not created yet).

    ``connection.pool`` would create the pool: read Django's registry of pools instead.
    """
    pools = getattr(connection, "_connection_pools", None)
    return pools.get(connection.alias) if pools else None


def holds_connection() -> bool:
    return connection.connection is not None


def check_pool(timeout: float, pool: Any = None) -> None:
    """Raise unless the pool lends a connection within ``timeout`` seconds.

    Django would wait the pool's whole timeout (DB_POOL_TIMEOUT, 30 s by default)
    before a query fails: a probe or a scrape would time out instead of answering.
    Without a pool (SQLite) or while this thread holds a connection, there is nothing
    to wait for.
    """
    if holds_connection():
        return
    if pool is None:
        pool = existing_pool() or getattr(connection, "pool", None)  # creates it
    if pool is None:
        return
    pool.open()  # what Django does before its first getconn(); then a no-op
    pool.putconn(pool.getconn(timeout=timeout))
