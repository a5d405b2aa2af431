"""Starting work from the pages: a new task, a retry, a cancel."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from db import rules
from db.models import LlmModel, Task, TaskStatus
from db.queries import create_task, get_task, list_models
from db.validation import Refused
from web import messages
from web.access import me, require_task_manager
from web.auth import login_required
from web.context import web_context
from web.dispatching import queue_ready, start_task
from web.errors import Missing
from web.forms import Form, FormInvalid, parse_int
from web.views_tasks import PROMPT_LIMIT

NAME_LIMIT = 200
TASK_FIELDS = ("model", "prompt", "name")


def register(bp: Blueprint) -> None:
    """Add the routes that start or stop tasks."""
    bp.add_url_rule("/tasks/new", "new_task", new_task, methods=["GET"])
    bp.add_url_rule("/tasks/new", "create_task", create_task_view, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/retry", "retry_task", retry_task, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/cancel", "cancel_task", cancel_task, methods=["POST"])


@login_required
def new_task() -> ResponseReturnValue:
    """Show the new-task form on a page of its own (the list shows it in a dialog)."""
    return new_task_page(Form(values={"model": ""}))


@login_required
def create_task_view() -> ResponseReturnValue:
    """Create a task from the form, queue it after the commit, and show it."""
    form = Form.from_request(TASK_FIELDS)
    if not queue_ready():
        form.fail("form", messages.QUEUE_NOT_CONFIGURED)
        return new_task_page(form, 503)
    try:
        with web_context().sessions.begin() as db:
            task_id = add_task(db, form)
    except FormInvalid:
        return new_task_page(form, 400)
    start_task(task_id, messages.TASK_STARTED.format(task_id=task_id))
    return redirect(url_for("web.task", task_id=task_id))


def add_task(db: Session, form: Form) -> int:
    """Check the form and add its task, marked as being dispatched; return its id."""
    model = chosen_model(db, form)
    form.require("prompt")
    form.limit("prompt", PROMPT_LIMIT)
    form.limit("name", NAME_LIMIT)
    form.raise_if_invalid()
    assert model is not None
    task = create_task(db, me(db), model, form.value("prompt"), name=form.value("name") or None)
    return task.id


def chosen_model(db: Session, form: Form) -> LlmModel | None:
    """Return the model picked in the form, or mark the field."""
    model_id = parse_int(form.value("model"))
    model = db.get(LlmModel, model_id) if model_id is not None else None
    if model is None:
        form.fail("model", messages.CHOOSE_MODEL)
    return model


def new_task_page(form: Form, status: int = 200) -> ResponseReturnValue:
    """Render the new-task page with what was typed and what is wrong."""
    with web_context().sessions() as db:
        page = render_template(
            "task_new.html",
            active="tasks",
            form=form,
            ask_models=list_models(db),
            prompt_limit=PROMPT_LIMIT,
            queue_ready=queue_ready(),
        )
    return page, status


@login_required
def retry_task(task_id: int) -> ResponseReturnValue:
    """Ask the same model the same prompt again, as a new task, if allowed."""
    if not queue_ready():
        flash(messages.QUEUE_NOT_CONFIGURED, "warning")
        return redirect(url_for("web.task", task_id=task_id))
    try:
        with web_context().sessions.begin() as db:
            new_id = add_retry(db, task_id)
    except Refused as refusal:
        flash(str(refusal), "warning")
        return redirect(url_for("web.task", task_id=task_id))
    start_task(new_id, messages.RETRY_STARTED.format(task_id=new_id, original_id=task_id))
    return redirect(url_for("web.task", task_id=new_id))


def add_retry(db: Session, task_id: int) -> int:
    """Add the retry of a task through the shared rules; return its id."""
    original = task_or_404(db, task_id)
    person = me(db)
    require_task_manager(original, person, "retry")
    if original.model is None:
        model = original.model_name
        raise Refused(messages.RETRY_NO_MODEL.format(task_id=task_id, model=model))
    admin_ids = web_context().admin_ids
    return rules.retry_task(db, original, person, admin_ids, channel_id=None, team_id=None).id


@login_required
def cancel_task(task_id: int) -> ResponseReturnValue:
    """Cancel a task that has not ended, if allowed."""
    with web_context().sessions.begin() as db:
        task = task_or_404(db, task_id)
        person = me(db)
        require_task_manager(task, person, "cancel")
        message = cancel_message(task)
        rules.cancel_task(db, task, person, web_context().admin_ids)
    flash(message, "info")
    return redirect(url_for("web.task", task_id=task_id))


def cancel_message(task: Task) -> str:
    """Return what cancelling a task in its current status does."""
    if task.status.finished:
        status = task.status.value.lower()
        return messages.CANCEL_ENDED.format(task_id=task.id, status=status)
    if task.status == TaskStatus.RUNNING:
        return messages.CANCELLED_RUNNING.format(task_id=task.id)
    return messages.CANCELLED_PENDING.format(task_id=task.id)


def task_or_404(db: Session, task_id: int) -> Task:
    """Return a task or raise the 404 page that names it."""
    task = get_task(db, task_id)
    if task is None:
        raise Missing(messages.TASK_NOT_FOUND.format(task_id=task_id))
    return task
