"""Handing a committed task to the queue, and what happens when the queue is away."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from db import queries

logger = logging.getLogger(__name__)


def queue_committed_task(
    sessions: sessionmaker[Session], task_id: int, send: Callable[[int], bool]
) -> bool:
    """Publish a committed task; if that fails, leave it for the workers' sweep.

    `create_task` marks a task dispatched before its commit, so the usual case costs no
    second write; a failed publish clears the mark, and the sweep re-sends any PENDING
    task without one as soon as the queue answers again.
    """
    try:
        if send(task_id):
            return True
    except Exception:
        logger.exception("queueing task %s failed", task_id)
    with sessions.begin() as session:
        queries.update_task(session, task_id, dispatched_at=None)
    return False
