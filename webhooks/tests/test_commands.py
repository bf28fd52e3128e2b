"""Management commands and the admin: worker, sweeper thread, redelivery, devserver."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from audit.models import Event
from webhooks.management.commands.devserver import stop_worker
from webhooks.models import WebhookDelivery
from webhooks.services import queue_event
from webhooks.sweeper import SweeperThread
from webhooks.tests.conftest import deliver_all
from webhooks.tests.receivers import always


@pytest.fixture
def restore_signals():  # type: ignore[no-untyped-def]
    # The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    saved = {
        sig: signal.getsignal(sig)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def failed(webhook_settings, receiver):  # type: ignore[no-untyped-def]
    receiver.script = always(500, b"down")
    delivery = queue_event("proposal.withdrawn", {"proposal_id": str(uuid.uuid4())})
    deliver_all()
    receiver.script = always(200)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    return delivery


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_delivers_queued_webhooks(
    webhook_settings, receiver, restore_signals
):
    deliveries = [queue_event("proposal.withdrawn", {"n": n}) for n in range(3)]

    call_command(
        "webhook_worker",
        "--batch",
        "--no-sweep",
        "--no-startup-delay",
        "--interval",
        "0",
        stdout=StringIO(),
    )

    assert {d.status for d in WebhookDelivery.objects.all()} == {"delivered"}
    assert sorted(r.header("X-Tessera-Delivery") for r in receiver.requests) == sorted(
        str(d.id) for d in deliveries
    )


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_thread_requeues_orphaned_deliveries(webhook_settings):
    delivery = queue_event("proposal.withdrawn", {"n": 1})
    DBTaskResult.objects.all().delete()

    sweeper = SweeperThread(interval=30)
    sweeper.start()
    try:
        deadline = time.monotonic() + 5
        while not DBTaskResult.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sweeper.stop()
        sweeper.join(timeout=5)

    delivery.refresh_from_db()
    assert delivery.task_id == DBTaskResult.objects.get().id
    assert not sweeper.is_alive()


@pytest.mark.django_db
def test_redeliver_webhook_requeues_a_failed_delivery(failed):
    out = StringIO()

    call_command("redeliver_webhook", str(failed.id), stdout=out)

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert "queued for redelivery" in out.getvalue()
    event = Event.objects.get(action="webhook.redelivered")
    assert event.actor_label == "manage.py redeliver_webhook"


@pytest.mark.django_db
def test_redeliver_webhook_reports_ids_it_could_not_redeliver(failed):
    pending = queue_event("proposal.withdrawn", {"n": 2})
    err = StringIO()

    with pytest.raises(CommandError, match="3 of 4"):
        call_command(
            "redeliver_webhook",
            "nope",
            str(uuid.uuid4()),
            str(pending.id),
            str(failed.id),
            stderr=err,
            stdout=StringIO(),
        )

    assert "nope: not a valid delivery id" in err.getvalue()
    assert "not found" in err.getvalue()
    assert "only failed deliveries can be redelivered" in err.getvalue()
    failed.refresh_from_db()
    assert failed.status == "pending"


@pytest.fixture
def staff_client(db) -> Client:
    user = get_user_model().objects.create_user(
        "ops", password="pw", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_lists_and_shows_deliveries(staff_client, failed):
    changelist = staff_client.get(
        "/admin/webhooks/webhookdelivery/?status__exact=failed"
    )
    detail = staff_client.get(f"/admin/webhooks/webhookdelivery/{failed.id}/change/")

    assert changelist.status_code == 200
    assert str(failed.id) in changelist.content.decode()
    assert detail.status_code == 200
    assert "down" in detail.content.decode()


@pytest.mark.django_db
def test_the_admin_action_redelivers_failed_deliveries_and_skips_others(
    staff_client, failed, team
):
    pending = queue_event("proposal.withdrawn", {"n": 3})

    response = staff_client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [str(failed.id), str(pending.id)]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 deliveries queued for redelivery" in page
    assert "only failed deliveries can be redelivered" in page
    failed.refresh_from_db()
    assert failed.status == "pending"
    event = Event.objects.get(action="webhook.redelivered")
    # Admin actions act for no team, like every admin action; the label names the user.
    assert (event.actor_id, event.actor_label) == (None, "admin:ops")


def test_the_devserver_stops_its_worker():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

    stop_worker(process)

    assert process.returncode is not None
