"""``manage.py devserver``: the development server with a webhook worker beside it (``make run``).

One command, one Ctrl-C: the worker is a child process started once (not again on
each auto-reload of the server) and stopped when the server stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

WORKER_STOP_TIMEOUT_SECONDS = 10


class Command(BaseCommand):
    help = "Run the development server and a webhook worker together."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="worker",
            help="Run the server only.",
        )

    def handle(self, *args: Any, addrport: str, worker: bool, **options: Any) -> None:
        if not worker or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # Inside runserver's reloaded child: the outer process owns the worker.
            call_command("runserver", addrport)
            return
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        process = subprocess.Popen(
            [sys.executable, manage, "webhook_worker", "--no-startup-delay"]
        )
        self.stdout.write(f"Webhook worker started (pid {process.pid})")
        try:
            call_command("runserver", addrport)
        finally:
            stop_worker(process)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Stop the worker gracefully (it finishes the attempt in flight), then for good.

    A Ctrl-C in the terminal already reached the worker (same process group): give it
    a moment, since a second signal makes django-tasks-db abandon the running task.
    """
    for stop, grace in (
        (None, 1),
        (process.terminate, WORKER_STOP_TIMEOUT_SECONDS),
        (process.kill, None),
    ):
        if process.poll() is not None:
            return
        if stop is not None:
            stop()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
