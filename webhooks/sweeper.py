"""The periodic sweep, run on a thread inside every webhook worker process."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from webhooks.services import sweep_deliveries

logger = logging.getLogger("tessera.webhooks")


class SweeperThread(threading.Thread):
    """Call ``sweep_deliveries`` now and then every ``interval`` seconds until stopped.

    A daemon thread: it dies with the worker process, and an interrupted sweep only
    rolls back its transaction. Several workers sweeping at once is safe.
    """

    def __init__(self, interval: float) -> None:
        super().__init__(name="webhook-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                sweep_deliveries()
            except Exception:
                # A database hiccup must not end the sweeping: log it and try next time.
                logger.exception("Webhook sweep failed")
            finally:
                # Give the connection back (to the pool on PostgreSQL) between sweeps.
                connection.close()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
