"""Start and stop each worker's housekeeping with the worker itself."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery.signals import worker_init, worker_ready, worker_shutdown

from tasks.maintenance import Maintenance
from tasks.runtime import runtime_of

logger = logging.getLogger(__name__)
_threads: list[Maintenance] = []


def connect() -> None:
    """Hook the housekeeping thread to the worker's start and stop."""
    worker_init.connect(_lower_priority, weak=False, dispatch_uid="promptdesk-worker-nice")
    worker_ready.connect(_start, weak=False, dispatch_uid="promptdesk-maintenance-start")
    worker_shutdown.connect(_stop, weak=False, dispatch_uid="promptdesk-maintenance-stop")


def _lower_priority(sender: Any = None, **_: Any) -> None:
    # Acks to Slack have a 3 s deadline and answers do not: where the web process and a
    # worker share a machine, the web process gets the CPU first.
    nice = sender.app.conf.promptdesk_settings.worker_nice
    if nice > 0:
        os.nice(nice)


def _start(sender: Any = None, **_: Any) -> None:
    app = sender.app
    thread = Maintenance(app, runtime_of(app))
    thread.start()
    _threads.append(thread)
    logger.info(
        "promptdesk worker ready: leases of %ss", app.conf.promptdesk_settings.task_lease_seconds
    )


def _stop(**_: Any) -> None:
    for thread in _threads:
        thread.stop()
