"""Handing committed work to the queue, and what to do when the queue is away."""

from __future__ import annotations

import logging

from flask import flash

from db.queries import update_task
from web import messages
from web.context import web_context

logger = logging.getLogger(__name__)


def queue_ready() -> bool:
    """Tell whether the pages were given a queue to start work on."""
    return web_context().queue is not None


def start_task(task_id: int, started_message: str) -> bool:
    """Queue a committed task and tell the person how it went."""
    if _send(task_id):
        flash(started_message, "info")
        return True
    # The sweeper re-sends PENDING tasks that were never dispatched once the queue is back.
    with web_context().sessions.begin() as db:
        update_task(db, task_id, dispatched_at=None)
    flash(messages.QUEUE_AWAY.format(task_id=task_id), "warning")
    return False


def start_model_test(model_id: int) -> bool:
    """Queue a test call to a model; tell the person when it could not be queued."""
    queue = web_context().queue
    if queue is None:
        flash(messages.QUEUE_NOT_CONFIGURED, "warning")
        return False
    if not queue.test_model(model_id, {}):
        flash(messages.QUEUE_AWAY_FOR_TEST, "warning")
        return False
    return True


def _send(task_id: int) -> bool:
    queue = web_context().queue
    if queue is None:
        return False
    try:
        return queue.run_task(task_id)
    except Exception:  # a queue that breaks must not lose the saved task or show a 500
        logger.exception("queueing task %s failed", task_id)
        return False
