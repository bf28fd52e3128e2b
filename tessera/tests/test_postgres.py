"""PostgreSQL layout: tables in the core, workflow and audit schemas; an append-only log.

Tests marked ``postgres`` are skipped on SQLite: they check what only the database
enforces, and are never faked there.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit.services import record_event
from tessera import config
from tessera.db.pgschemas.base import DatabaseWrapper

SCHEMA_OF_TABLE = {
    "teams": "core",
    "api_keys": "core",
    "instance_secrets": "core",
    "assets": "core",
    "contracts": "core",
    "registrations": "core",
    "dependencies": "core",
    "proposals": "workflow",
    "acknowledgments": "workflow",
    "webhook_deliveries": "workflow",
    "events": "audit",
}


def schema_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(("table", "schema"), sorted(SCHEMA_OF_TABLE.items()))
def test_each_table_sits_in_its_schema(table: str, schema: str) -> None:
    assert schema_of(table) == [schema]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("table", ["django_migrations", "auth_user", "django_session"])
def test_djangos_own_tables_stay_in_public(table: str) -> None:
    assert schema_of(table) == ["public"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_connection_searches_the_three_schemas() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        search_path = cursor.fetchone()[0]

    assert [part.strip() for part in search_path.split(",")] == [
        "public",
        "core",
        "workflow",
        "audit",
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_to_update_an_audit_event() -> None:
    event = record_event(
        action="a", entity_type="t", entity_id=uuid.uuid4(), actor_id=None
    )

    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit.events SET action = 'forged' WHERE id = %s", [event.id]
        )


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_audit_event() -> None:
    event = record_event(
        action="a", entity_type="t", entity_id=uuid.uuid4(), actor_id=None
    )

    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit.events WHERE id = %s", [event.id])

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit.events WHERE id = %s", [event.id])
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_accepts_new_audit_events() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit.events (id, entity_type, entity_id, action, payload, occurred_at)"
            " VALUES (%s, 'team', %s, 'team.created', '{}', now())",
            [uuid.uuid4(), uuid.uuid4()],
        )
        assert cursor.rowcount == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_foreign_key_reaches_the_audit_table_and_none_cascades() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND "
            "(confrelid = 'audit.events'::regclass OR conrelid = 'audit.events'::regclass)"
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c JOIN pg_namespace n "
            "ON n.oid = c.connamespace WHERE c.contype = 'f' AND c.confdeltype = 'c' "
            "AND n.nspname IN ('core', 'workflow', 'audit')"
        )
        assert cursor.fetchall() == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_connection_uses_the_psycopg_pool() -> None:
    options = settings.DATABASES["default"]["OPTIONS"]

    assert (
        options["pool"]["max_size"] == settings.DB_POOL_SIZE + settings.DB_MAX_OVERFLOW
    )
    assert connection.pool is not None


def test_the_schema_backend_passes_sslmode_and_the_search_path_to_libpq() -> None:
    database = config.database_config(
        "postgresql+asyncpg://user:pass@db-host:5432/tessera?sslmode=require"
    )
    wrapper = DatabaseWrapper(
        {**database, "OPTIONS": {"sslmode": "require"}, "TIME_ZONE": None}
    )

    params = wrapper.get_connection_params()

    assert params["sslmode"] == "require"
    assert params["host"] == "db-host"
    assert params["dbname"] == "tessera"
    assert params["options"] == "-c search_path=public,core,workflow,audit"
