"""The pages: tasks, one task, models, people."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from db.models import TaskStatus
from db.queries import (
    get_task,
    list_models,
    list_people,
    model_names,
    task_counts_by_person,
    tasks_page,
)
from web import messages
from web.auth import is_admin, login_required
from web.context import web_context
from web.errors import error_page
from web.task_query import MAX_ID, parse_task_query

TASKS_PER_PAGE = 50


def register(bp: Blueprint) -> None:
    """Add the page routes."""
    bp.add_url_rule("/tasks", "tasks", tasks, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>", "task", task, methods=["GET"])
    bp.add_url_rule("/models", "models", models, methods=["GET"])
    bp.add_url_rule("/people", "people", people, methods=["GET"])


@login_required
def tasks() -> ResponseReturnValue:
    """List tasks, newest first, filtered and paginated by the query string."""
    query = parse_task_query(request.args)
    with web_context().sessions() as db:
        page = tasks_page(db, query.page, TASKS_PER_PAGE, query.filters)
        if page.number > page.pages:
            # A page past the end (the list shrank, or a hand-typed URL): show the last one.
            page = tasks_page(db, page.pages, TASKS_PER_PAGE, query.filters)
        return render_template(
            "tasks.html",
            active="tasks",
            page=page,
            query=query,
            statuses=list(TaskStatus),
            model_names=model_names(db),
            people=list_people(db),
            empty_message=messages.NO_TASKS_MATCH if query.is_filtered else messages.NO_TASKS_YET,
        )


@login_required
def task(task_id: int) -> ResponseReturnValue:
    """Show one task in full."""
    with web_context().sessions() as db:
        found = get_task(db, task_id) if task_id <= MAX_ID else None
        if found is None:
            return error_page(404, messages.TASK_NOT_FOUND.format(task_id=task_id))
        return render_template("task.html", active="tasks", task=found)


@login_required
def models() -> ResponseReturnValue:
    """List the registered models (the API key only as its hint)."""
    with web_context().sessions() as db:
        return render_template(
            "models.html",
            active="models",
            models=list_models(db),
            empty_message=messages.NO_MODELS_YET,
        )


@login_required
def people() -> ResponseReturnValue:
    """List everyone who used the app, with how many tasks each asked."""
    with web_context().sessions() as db:
        everyone = list_people(db)
        return render_template(
            "people.html",
            active="people",
            people=everyone,
            admins={person.id for person in everyone if is_admin(person)},
            task_counts=task_counts_by_person(db),
            empty_message=messages.NO_PEOPLE_YET,
        )
