"""gunicorn configuration for ``make serve`` and the container: all from the environment.

One process per container with threads (gthread): the database pool is per process, so
the guide's "DB_POOL_SIZE + DB_MAX_OVERFLOW connections per instance" holds.
Scale with replicas, or raise WEB_CONCURRENCY where a container has several cores.
"""

import os

bind = (
    f"{os.environ.get('API_HOST') or '0.0.0.0'}:{os.environ.get('API_PORT') or '8000'}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# Load the app before forking so a bad setting fails the start instead of each worker.
preload_app = True
