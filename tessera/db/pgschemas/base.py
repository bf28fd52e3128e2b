"""PostgreSQL backend that places each app's tables in its own schema.

Tables keep plain names (``teams``, ``proposals``, ``events``); after Django creates a
table, the schema editor moves it with ``ALTER TABLE ... SET SCHEMA``, and every
connection's ``search_path`` lists the schemas so unqualified names resolve. Django's
introspection, ``flush`` and later ``AlterField`` keep working because names stay plain
(the ``'core"."teams'`` quoting trick breaks all three).
"""

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base, schema


def schema_for(model: Any) -> str | None:
    """Return the schema ``settings.DB_SCHEMAS`` assigns to ``model``, if any."""
    meta = model._meta
    mapping: dict[str, str] = settings.DB_SCHEMAS
    return mapping.get(f"{meta.app_label}.{meta.model_name}") or mapping.get(
        meta.app_label
    )


def search_path() -> list[str]:
    return ["public", *dict.fromkeys(settings.DB_SCHEMAS.values())]


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def create_model(self, model: Any) -> None:
        super().create_model(model)  # also creates auto-created M2M tables
        target = schema_for(model)
        if target:
            self.execute(
                f"ALTER TABLE {self.quote_name(model._meta.db_table)} "
                f"SET SCHEMA {self.quote_name(target)}"
            )


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        # With PgBouncer in transaction mode the startup option may be refused: then set
        # the search_path on the role instead (ALTER ROLE ... SET search_path ...).
        option = "-c search_path=" + ",".join(search_path())
        params["options"] = f"{params.get('options', '')} {option}".strip()
        return params
