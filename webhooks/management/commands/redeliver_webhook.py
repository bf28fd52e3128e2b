"""``manage.py redeliver_webhook <id> [<id> ...]``: send failed webhook deliveries again."""

from __future__ import annotations

import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from teams.principal import Principal
from tessera.errors import TesseraError
from webhooks.services import redeliver_delivery


class Command(BaseCommand):
    help = "Reset failed webhook deliveries to pending and queue them (audited as webhook.redelivered)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("delivery_ids", nargs="+", metavar="delivery_id")

    def handle(self, *args: Any, delivery_ids: list[str], **options: Any) -> None:
        actor = Principal.system("manage.py redeliver_webhook")
        failures = 0
        for raw in delivery_ids:
            try:
                delivery_id = uuid.UUID(raw)
            except ValueError:
                self.stderr.write(f"{raw}: not a valid delivery id")
                failures += 1
                continue
            try:
                delivery = redeliver_delivery(delivery_id=delivery_id, actor=actor)
            except TesseraError as exc:
                self.stderr.write(exc.message)
                failures += 1
            else:
                self.stdout.write(
                    f"{delivery.pk}: {delivery.event_type} queued for redelivery to {delivery.url}"
                )
        if failures:
            raise CommandError(
                f"{failures} of {len(delivery_ids)} deliveries were not redelivered"
            )
