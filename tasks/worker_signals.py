"""Start and stop each worker's housekeeping with the worker itself."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_ready, worker_shutdown

from tasks.maintenance import Maintenance
from tasks.runtime import runtime_of

logger = logging.getLogger(__name__)
_threads: list[Maintenance] = []


def connect() -> None:
    """Hook the housekeeping thread to the worker's start and stop."""
    worker_ready.connect(_start, weak=False, dispatch_uid="promptdesk-maintenance-start")
    worker_shutdown.connect(_stop, weak=False, dispatch_uid="promptdesk-maintenance-stop")


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
