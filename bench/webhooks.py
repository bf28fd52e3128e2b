"""Benchmark webhook delivery: deliveries per second with one and with two workers.

Run with ``python -m bench.webhooks [--deliveries N] [--workers 1,2]``. It uses a
throwaway database (a new PostgreSQL database on the server of ``DATABASE_URL`` when
that is a PostgreSQL URL, dropped afterwards; otherwise a temporary SQLite file),
starts a local receiver in this process and real ``manage.py webhook_worker``
processes. For each worker count it waits until the workers are idle, queues N
deliveries in one transaction, and times from the commit until every delivery is
``delivered``. It also checks that each delivery reached the receiver exactly once.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from webhooks.receiver import ReceiverServer

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Yield the URL of an empty database that is removed afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme.split("+")[0] in ("postgres", "postgresql"):
        import psycopg

        parts = urlsplit(url)
        server = urlunsplit(
            ("postgresql", parts.netloc, parts.path or "/postgres", "", "")
        )
        name = f"tessera_bench_webhooks_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(("postgresql", parts.netloc, "/" + name, parts.query, ""))
        finally:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{directory}/bench.sqlite3"


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    command = [
        sys.executable,
        "manage.py",
        "webhook_worker",
        "--no-startup-delay",
        "--interval",
        "0.05",
        "--verbosity",
        "0",
    ]
    return [
        subprocess.Popen(
            command, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_round(
    worker_count: int, deliveries: int, receiver: ReceiverServer
) -> tuple[float, int]:
    """Return (deliveries per second, deliveries received more than once)."""
    from django.db import transaction

    from webhooks.models import WebhookDelivery
    from webhooks.services import queue_event

    WebhookDelivery.objects.all().delete()
    with receiver.lock:
        receiver.attempts_by_delivery.clear()
    workers = start_workers(worker_count)
    try:
        # Warm-up: one delivery per worker proves the workers are up and polling.
        with transaction.atomic():
            for n in range(worker_count):
                queue_event("bench.warmup", {"n": n})
        wait_for(
            lambda: (
                WebhookDelivery.objects.filter(status="delivered").count()
                == worker_count
            ),
            timeout=60,
            what="the workers to start",
        )
        WebhookDelivery.objects.all().delete()
        with receiver.lock:
            receiver.attempts_by_delivery.clear()

        with transaction.atomic():
            for n in range(deliveries):
                queue_event(
                    "proposal.withdrawn", {"proposal_id": str(uuid.uuid4()), "n": n}
                )
        started = time.monotonic()
        wait_for(
            lambda: (
                WebhookDelivery.objects.filter(status="delivered").count() == deliveries
            ),
            timeout=600,
            what=f"{deliveries} deliveries",
        )
        elapsed = time.monotonic() - started
    finally:
        stop_workers(workers)
    with receiver.lock:
        duplicates = sum(
            1 for seen in receiver.attempts_by_delivery.values() if seen > 1
        )
        received = len(receiver.attempts_by_delivery)
    if received != deliveries:
        raise SystemExit(
            f"the receiver saw {received} deliveries, expected {deliveries}"
        )
    return deliveries / elapsed, duplicates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhooks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument(
        "--workers", default="1,2", help="comma-separated worker counts (default: 1,2)"
    )
    options = parser.parse_args(argv)
    counts = [int(n) for n in options.workers.split(",")]

    receiver = ReceiverServer(("127.0.0.1", 0), secret=SECRET, quiet=True)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        with throwaway_database() as database_url:
            os.environ.update(
                {
                    "DATABASE_URL": database_url,
                    "DJANGO_SETTINGS_MODULE": "tessera.settings",
                    "ENVIRONMENT": "development",
                    "WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_port}/webhook",
                    "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
                    "DB_POOL_SIZE": "2",
                    "DB_MAX_OVERFLOW": "2",
                    "LOG_LEVEL": "WARNING",
                }
            )
            import django
            from django.core.management import call_command
            from django.db import connections

            django.setup()
            call_command("migrate", verbosity=0)
            engine = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
            print(
                f"Webhook delivery, {options.deliveries} deliveries, {engine}, local receiver"
            )
            for count in counts:
                rate, duplicates = run_round(count, options.deliveries, receiver)
                print(
                    f"  {count} worker(s): {rate:7.1f} deliveries/s  (duplicates: {duplicates})"
                )
            connections.close_all()
    finally:
        receiver.shutdown()
        receiver.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
