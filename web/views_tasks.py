"""The task pages: the list, one task, and the small JSON feed that keeps them current."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from db.models import TaskStatus
from db.queries import TaskProgress, get_task, list_models, list_people, model_names, task_progress
from web import messages
from web.access import can_manage_task, me
from web.auth import login_required
from web.context import web_context
from web.dispatching import queue_ready
from web.errors import Missing
from web.formatting import duration, number
from web.forms import Form
from web.task_list import load_page
from web.task_query import MAX_ID, parse_id, parse_task_query

MAX_STATUS_IDS = 100
PROMPT_LIMIT = 32_000


def register(bp: Blueprint) -> None:
    """Add the task page routes."""
    bp.add_url_rule("/tasks", "tasks", tasks, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>", "task", task, methods=["GET"])
    bp.add_url_rule("/tasks/status.json", "task_statuses", task_statuses, methods=["GET"])


@login_required
def tasks() -> ResponseReturnValue:
    """List tasks, newest first, filtered and paginated by the query string."""
    query = parse_task_query(request.args)
    with web_context().sessions() as db:
        return render_template(
            "tasks.html",
            active="tasks",
            page=load_page(db, query),
            query=query,
            statuses=list(TaskStatus),
            model_names=model_names(db),
            people=list_people(db),
            empty_message=messages.NO_TASKS_MATCH if query.is_filtered else messages.NO_TASKS_YET,
            ask_models=list_models(db),
            form=Form(values={"model": ""}),
            prompt_limit=PROMPT_LIMIT,
            queue_ready=queue_ready(),
        )


@login_required
def task(task_id: int) -> ResponseReturnValue:
    """Show one task in full, with Retry and Cancel for those who may."""
    with web_context().sessions() as db:
        found = get_task(db, task_id) if task_id <= MAX_ID else None
        if found is None:
            raise Missing(messages.TASK_NOT_FOUND.format(task_id=task_id))
        return render_template(
            "task.html",
            active="tasks",
            task=found,
            can_manage=can_manage_task(found, me(db)),
            queue_ready=queue_ready(),
        )


@login_required
def task_statuses() -> ResponseReturnValue:
    """Return the progress of some tasks as JSON: `?ids=1,2,3`."""
    ids = [i for i in map(parse_id, request.args.get("ids", "").split(",")) if i is not None]
    with web_context().sessions() as db:
        rows = task_progress(db, ids[:MAX_STATUS_IDS])
    return jsonify({"tasks": {str(row.id): progress_json(row) for row in rows}})


def progress_json(row: TaskProgress) -> dict[str, object]:
    """Return what the page shows of a task's progress, already formatted."""
    seconds = None
    if row.started_at is not None and row.finished_at is not None:
        seconds = (row.finished_at - row.started_at).total_seconds()
    return {
        "status": row.status.value,
        "finished": row.status.finished,
        "duration": duration(seconds),
        "tokens": number(row.total_tokens),
    }
