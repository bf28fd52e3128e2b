"""Fixtures of the webhook tests: a local receiver, delivery settings, a task runner."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from webhooks.models import WebhookDelivery
from webhooks.tests.receivers import ScriptedReceiver

SECRET = "test-secret"


@pytest.fixture
def receiver() -> Iterator[ScriptedReceiver]:
    with ScriptedReceiver() as server:
        yield server


@pytest.fixture
def webhook_settings(settings, receiver):  # type: ignore[no-untyped-def]
    """Deliver to ``receiver``, allowed by the allow-list (not by the development default)."""
    settings.WEBHOOK_URL = receiver.url
    settings.WEBHOOK_SECRET = SECRET
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_BACKOFF_SECONDS = 0.01
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return settings


def run_ready_tasks() -> int:
    """Run every task that is due now, as the worker would; return how many ran."""
    ran = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim("test-worker")
        value = result.task.call(
            *result.args_kwargs["args"], **result.args_kwargs["kwargs"]
        )
        result.set_successful(value)
        ran += 1
    return ran


def deliver_all(timeout: float = 5.0) -> None:
    """Run tasks, retries included, until no delivery is pending (or ``timeout`` passes)."""
    deadline = time.monotonic() + timeout
    while WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING
    ).exists():
        if time.monotonic() > deadline:
            raise AssertionError("deliveries still pending after the timeout")
        if not run_ready_tasks():
            time.sleep(0.005)  # a retry's run_after is a few milliseconds away


@pytest.fixture
def run_tasks() -> Callable[[], int]:
    return run_ready_tasks


@pytest.fixture
def deliver() -> Callable[..., None]:
    return deliver_all


def ready_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("run_after")
    )
