"""``manage.py webhook_worker``: the production worker (``make worker``, the image's worker command).

django-tasks-db's ``db_worker`` with two additions for webhooks: it serves every queue
by default (a worker started without ``--queue-name`` would otherwise ignore the
``webhooks`` queue), does not auto-reload, and runs the sweeper thread that re-queues
deliveries that are due or stuck (WEBHOOK_SWEEP_INTERVAL_SECONDS). Run as many as you
like: each delivery is attempted by one worker at a time.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from webhooks.sweeper import SweeperThread


class Command(db_worker.Command):
    help = (
        "Run the background worker that delivers webhooks (and any other queued task)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=None,
            help="Seconds between sweeps (default: WEBHOOK_SWEEP_INTERVAL_SECONDS)",
        )
        parser.add_argument(
            "--no-sweep",
            action="store_false",
            dest="sweep",
            help="Do not run the sweeper in this worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:  # type: ignore[override]
        sweep = options.pop("sweep")
        interval = (
            options.pop("sweep_interval") or settings.WEBHOOK_SWEEP_INTERVAL_SECONDS
        )
        # Under --reload the outer process only watches files: sweep in the child.
        is_reloader_parent = (
            options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        if sweep and not is_reloader_parent:
            SweeperThread(interval).start()
        super().handle(*args, **options)
