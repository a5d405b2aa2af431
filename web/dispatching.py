"""Handing committed work to the queue, and what to do when the queue is away."""

from __future__ import annotations

from flask import flash

from db.handoff import queue_committed_task
from web import messages
from web.context import web_context


def queue_ready() -> bool:
    """Tell whether the pages were given a queue to start work on."""
    return web_context().queue is not None


def start_task(task_id: int, started_message: str) -> bool:
    """Queue a committed task and tell the person how it went."""
    context = web_context()
    send = context.queue.run_task if context.queue is not None else _no_queue
    if queue_committed_task(context.sessions, task_id, send):
        flash(started_message, "info")
        return True
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


def _no_queue(_task_id: int) -> bool:
    return False
