# Tessera image: the API server by default; the webhook worker and the development
# webhook receiver are the same image with another command (docker-compose.yml).
#
#   docker build -t tessera:latest .
#   docker build --build-arg BASE=localhost/python-3.12-base:local -t tessera:latest .
#
# Runtime knobs: everything the app reads (README "Configuration"), plus
# MIGRATE_ON_START (default true, see deploy/docker-entrypoint.sh) and
# API_HOST/API_PORT (gunicorn bind, default 0.0.0.0:8000).
ARG BASE=python:3.12-slim-bookworm

# --- builder: virtualenv from the hashed lock, then the code and its static files ----
FROM ${BASE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /app

# Runtime pins only (dev tools stay out), every file checked against its hash.
COPY requirements.lock deploy/runtime-requirements.py /tmp/
RUN python /tmp/runtime-requirements.py /tmp/requirements.lock > /tmp/requirements.runtime.lock \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/requirements.runtime.lock \
    && /opt/venv/bin/pip check

COPY . /app/

# collectstatic needs settings only, not a database: build under development defaults.
RUN ENVIRONMENT=development DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        /opt/venv/bin/python manage.py collectstatic --noinput \
    && /opt/venv/bin/python -m compileall -q /app \
    && rm -f /tmp/build.sqlite3

# --- runtime -------------------------------------------------------------------------
FROM ${BASE} AS runtime

LABEL org.opencontainers.image.title="tessera" \
      org.opencontainers.image.description="Data contract coordination for warehouses"

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    MIGRATE_ON_START=true

RUN groupadd --system --gid 10001 tessera \
    && useradd --system --uid 10001 --gid tessera --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tessera \
    && mkdir -p /data \
    && chown tessera:tessera /data

WORKDIR /app

# Code and virtualenv stay owned by root: the app user can read but not change them.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

USER 10001:10001

EXPOSE 8000

# Liveness only (no database), on the address gunicorn binds.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; h = os.environ.get('API_HOST') or '127.0.0.1'; h = '127.0.0.1' if h in ('0.0.0.0', '::') else h; urllib.request.urlopen('http://%s:%s/health/live' % (h, os.environ.get('API_PORT') or '8000'), timeout=4)"]

# Run through sh so the script needs no exec bit (it comes with `COPY . /app/`).
ENTRYPOINT ["/bin/sh", "/app/deploy/docker-entrypoint.sh"]
CMD ["gunicorn", "tessera.wsgi:application", "--config", "python:tessera.gunicorn_conf"]
