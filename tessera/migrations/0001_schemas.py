"""Create the core, workflow and audit schemas (PostgreSQL only)."""

from django.conf import settings
from django.db import migrations


def create_schemas(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in dict.fromkeys(settings.DB_SCHEMAS.values()):
        schema_editor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    # Dropping schemas on rollback would drop their tables' data: keep them.
    operations = [migrations.RunPython(create_schemas, migrations.RunPython.noop)]
