"""The delivery task, run by ``manage.py webhook_worker`` (django-tasks-db)."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task


@task(queue_name=settings.WEBHOOK_QUEUE)
def deliver_webhook(delivery_id: str) -> str:
    """Make one attempt of a webhook delivery; a failure re-enqueues the next one.

    Retries are new tasks (django-tasks-db has none of its own), so this task never
    raises for a failed attempt: the delivery row records the outcome.
    """
    # Imported here: services enqueues this task, so it imports this module first.
    from webhooks.services import attempt_delivery

    return attempt_delivery(delivery_id)
