"""Who may do what on the pages: db.rules decides, this module turns a no into a 403 page."""

from __future__ import annotations

from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from db import rules
from db.models import LlmModel, Person, Task
from web import messages
from web.auth import NotSignedIn, current_person
from web.context import web_context


class NotAllowed(Forbidden):
    """The signed-in person may not do this; the description says who may."""

    def __init__(self, message: str = messages.NOT_ALLOWED) -> None:
        super().__init__(message)


def me(db: Session) -> Person:
    """Return the signed-in person as a row of this session."""
    person = current_person()
    row = db.get(Person, person.id) if person is not None else None
    if row is None:
        raise NotSignedIn()
    return row


def is_admin(person: Person) -> bool:
    """Tell whether a person has admin rights (flag or ADMIN_SLACK_USER_IDS)."""
    return rules.is_admin(person, web_context().admin_ids)


def can_change_model(model: LlmModel, person: Person) -> bool:
    """Tell whether a person may edit or delete a model."""
    try:
        rules.check_can_change_model(model, person, web_context().admin_ids)
    except rules.NotAllowed:
        return False
    return True


def can_manage_task(task: Task, person: Person) -> bool:
    """Tell whether a person may retry or cancel a task."""
    try:
        rules.check_can_manage_task(task, person, web_context().admin_ids, "manage")
    except rules.NotAllowed:
        return False
    return True


def require_model_change(model: LlmModel, person: Person) -> None:
    """Refuse with a 403 page unless the person may change the model."""
    if not can_change_model(model, person):
        maintainer = model.maintainer.name if model.maintainer else messages.NOBODY
        raise NotAllowed(messages.MODEL_NOT_YOURS.format(model=model.name, maintainer=maintainer))


def require_task_manager(task: Task, person: Person, verb: str) -> None:
    """Refuse with a 403 page unless the person may retry or cancel the task."""
    if not can_manage_task(task, person):
        raise NotAllowed(messages.TASK_NOT_YOURS.format(task_id=task.id, verb=verb))


def require_people_admin(person: Person) -> None:
    """Refuse with a 403 page unless the person may manage people."""
    try:
        rules.check_can_manage_people(person, web_context().admin_ids)
    except rules.NotAllowed:
        raise NotAllowed(messages.PEOPLE_ADMINS_ONLY) from None
