#!/bin/sh
# Container entrypoint: optional migrations, then the command (default: gunicorn).
#
#   MIGRATE_ON_START  true (image default) | false
#       true: run `manage.py migrate --noinput` before the command, so a fresh
#       database works with a plain `docker run`. On PostgreSQL the run holds a
#       session advisory lock, so replicas starting together migrate one after the
#       other instead of racing (the later ones find nothing left to apply).
#       Kubernetes and Helm set it to false and migrate in an initContainer or a
#       hook Job instead (deploy/k8s, deploy/helm).
#   API_HOST / API_PORT
#       bind address of gunicorn (tessera/gunicorn_conf.py reads them).
#
# Special commands:
#   migrate                 run the (locked) migrations and exit
#   wait-for-migrations     exit 0 once no migration is pending, non-zero before
#   anything else           exec'd as given, e.g. `python manage.py bootstrap`
#
# Without DATABASE_URL in development (ENVIRONMENT unset or "development"), the
# SQLite database lives in /data (writable by the app user; mount a volume there
# to keep it). Outside development DATABASE_URL is required, as in the app.
set -eu

if [ -z "${DATABASE_URL:-}" ] && [ -z "${DATABASE_URL_FILE:-}" ] \
    && [ "${ENVIRONMENT:-development}" = "development" ]; then
    DATABASE_URL="sqlite:///${TESSERA_DATA_DIR:-/data}/db.sqlite3"
    export DATABASE_URL
fi

migrate() {
    python - <<'PY'
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tessera.settings")
# A one-off process: no need for the server's pool of DB_POOL_SIZE connections.
os.environ["DB_POOL_SIZE"] = "1"
os.environ["DB_MAX_OVERFLOW"] = "1"
django.setup()

from django.core.management import call_command
from django.db import connection

# Any constant works: it only has to be the same for every Tessera process.
LOCK_ID = 7_305_273_260_154_551_517  # "tessera" migrations

if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        print("Waiting for the migration lock...", flush=True)
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
    try:
        call_command("migrate", interactive=False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
else:
    call_command("migrate", interactive=False)
PY
}

case "${1:-}" in
    migrate)
        migrate
        exit 0
        ;;
    wait-for-migrations)
        DB_POOL_SIZE=1 DB_MAX_OVERFLOW=0
        export DB_POOL_SIZE DB_MAX_OVERFLOW
        exec python manage.py migrate --check --noinput
        ;;
esac

case "$(printf '%s' "${MIGRATE_ON_START:-true}" | tr '[:upper:]' '[:lower:]')" in
    true | 1 | yes | on) migrate ;;
    false | 0 | no | off | "") ;;
    *)
        echo "Invalid value for MIGRATE_ON_START: '${MIGRATE_ON_START}' (expected true or false)" >&2
        exit 64
        ;;
esac

exec "$@"
