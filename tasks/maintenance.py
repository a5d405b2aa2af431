"""A worker's housekeeping thread: renew leases, notice cancels, re-dispatch lost tasks."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import Celery

from db import queries
from db.models import TaskStatus, utcnow
from tasks.celery_app import RUN_TASK
from tasks.runtime import Runtime

logger = logging.getLogger(__name__)

# A PENDING task dispatched this many leases ago whose message never arrived (Redis lost
# it, say) is dispatched again; the atomic claim makes a duplicate message harmless.
LOST_MESSAGE_LEASES = 10


class Maintenance(threading.Thread):
    """Runs every few seconds in each worker process."""

    def __init__(self, app: Celery, runtime: Runtime) -> None:
        super().__init__(name="promptdesk-maintenance", daemon=True)
        self.app = app
        self.runtime = runtime
        self.interval = max(0.5, runtime.settings.task_lease_seconds / 3)
        self._stop_event = threading.Event()

    def stop(self) -> None:
        """Ask the thread to end."""
        self._stop_event.set()

    def run(self) -> None:
        """Do a round of housekeeping every interval until stopped."""
        while not self._stop_event.wait(self.interval):
            try:
                self.round()
            except Exception:
                # Redis or the database being away must not kill the thread: retry next round.
                logger.warning("housekeeping round failed", exc_info=True)

    def round(self) -> None:
        """Renew leases, stop cancelled tasks, and dispatch tasks nobody is running."""
        self.renew_and_watch()
        self.redispatch()

    def renew_and_watch(self) -> None:
        """Keep this worker's leases alive and stop the tasks someone cancelled."""
        ids = self.runtime.inflight.ids()
        if not ids:
            return
        with self.runtime.sessions.begin() as session:
            queries.renew_leases(session, ids, self.runtime.settings.task_lease_seconds)
            statuses = queries.statuses_of(session, ids)
        for task_id, status in statuses.items():
            if status is TaskStatus.CANCELLED:
                self.runtime.inflight.stop(task_id)

    def redispatch(self) -> None:
        """Send again the tasks whose message never reached a worker or whose worker died."""
        lease = self.runtime.settings.task_lease_seconds
        now = utcnow()
        stale = now - timedelta(seconds=lease * LOST_MESSAGE_LEASES)
        with self.runtime.sessions.begin() as session:
            lapsed = [i for i in queries.lapsed_tasks(session) if queries.take_lapsed(session, i)]
            waiting = queries.undispatched_tasks(session, now - timedelta(seconds=1), stale)
            waiting = [i for i in waiting if queries.take_for_dispatch(session, i, stale)]
        for task_id in lapsed + waiting:
            self.app.send_task(RUN_TASK, args=[task_id])
        if lapsed:
            logger.warning("tasks %s lost their worker; running them again", lapsed)
        if waiting:
            logger.info("dispatched tasks %s that had not reached the queue", waiting)
