"""Durability on PostgreSQL, with real worker processes (``manage.py webhook_worker``).

Each test bounds its waits and always kills the workers it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from webhooks.models import WebhookDelivery
from webhooks.services import queue_event
from webhooks.signing import verify
from webhooks.tests.conftest import SECRET
from webhooks.tests.receivers import Reply

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 2
SWEEP_SECONDS = 0.5


def database_url() -> str:
    """The test database, for the worker processes."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    logs = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "ENVIRONMENT": "development",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            "WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
            "WEBHOOK_SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
            "WEBHOOK_BACKOFF_SECONDS": "0.1",
            "DB_POOL_SIZE": "1",
            "DB_MAX_OVERFLOW": "2",
            "LOG_LEVEL": "WARNING",
        }
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the fixture
        logs.append(log)
        command = [
            sys.executable,
            "manage.py",
            "webhook_worker",
            "--no-startup-delay",
            "--interval",
            "0.05",
        ]
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    try:
        yield start
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        for log in logs:
            log.close()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_rolled_back_transaction_leaves_no_delivery(webhook_settings, receiver):
    def change_that_fails() -> None:
        with transaction.atomic():
            queue_event("proposal.withdrawn", {"proposal_id": str(uuid.uuid4())})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        change_that_fails()

    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_committed_event_survives_and_a_killed_worker_loses_nothing(
    webhook_settings, receiver, start_worker
):
    workers: list[subprocess.Popen[bytes]] = []

    def kill_mid_attempt(number: int, request: object) -> Reply:
        if number == 1:
            # Killed by the receiver while its request is in flight: no scheduling gap
            # in which the attempt's own timeout could end it first.
            wait_until(lambda: bool(workers), 10, "the first worker to start")
            workers[0].send_signal(signal.SIGKILL)
            receiver.release.wait(60)
        return Reply()

    receiver.script = kill_mid_attempt
    delivery = queue_event("proposal.withdrawn", {"proposal_id": str(uuid.uuid4())})
    first_task = delivery.task_id

    workers.append(start_worker())
    doomed = workers[0]
    assert receiver.arrived.wait(30), "the first worker never made its attempt"
    doomed.wait(timeout=10)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.locked_until is not None
    assert (
        DBTaskResult.objects.get(pk=first_task).status == TaskResultStatus.RUNNING
    )  # stranded

    killed_at = time.monotonic()
    start_worker()
    wait_until(
        lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered",
        timeout=30,
        what="the delivery to be re-queued by the sweeper and delivered",
    )

    # Within the lease (timeout + margin) plus a sweep interval, plus process start-up.
    assert time.monotonic() - killed_at < TIMEOUT_SECONDS + 2 + SWEEP_SECONDS + 10
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    first, second = receiver.requests
    assert (
        first.header("X-Tessera-Delivery")
        == second.header("X-Tessera-Delivery")
        == str(delivery.id)
    )
    assert [first.header("X-Tessera-Attempt"), second.header("X-Tessera-Attempt")] == [
        "1",
        "2",
    ]
    assert first.body == second.body
    assert verify(second.body, SECRET, second.header("X-Tessera-Signature"))


def test_two_workers_send_every_delivery_exactly_once(
    webhook_settings, receiver, start_worker
):
    count = 40
    deliveries = [queue_event("proposal.withdrawn", {"n": n}) for n in range(count)]

    workers = [start_worker(), start_worker()]
    wait_until(
        lambda: WebhookDelivery.objects.filter(status="delivered").count() == count,
        timeout=60,
        what="every delivery to be delivered",
    )

    assert all(worker.poll() is None for worker in workers)
    received = receiver.by_delivery()
    assert sorted(received) == sorted(str(d.id) for d in deliveries)
    assert all(len(requests) == 1 for requests in received.values())
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
