"""Who may do what: the permission rules shared by Slack and the web pages."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from db import queries
from db.models import LlmModel, Person, Task
from db.validation import Refused


class NotAllowed(Refused):
    """Someone asked for something only a maintainer, the asker or an admin may do."""


def is_admin(person: Person, admin_user_ids: Collection[str]) -> bool:
    """Tell whether a person has admin rights (by flag or by ADMIN_SLACK_USER_IDS)."""
    return person.is_admin or person.slack_user_id in admin_user_ids


def check_can_change_model(
    model: LlmModel, person: Person, admin_user_ids: Collection[str]
) -> None:
    """Refuse unless the person maintains the model or is an admin."""
    if is_admin(person, admin_user_ids):
        return
    if model.maintainer_id is not None and model.maintainer_id == person.id:
        return
    who = model.maintainer.mention() if model.maintainer else "an admin"
    raise NotAllowed(
        f"Only the maintainer of `{model.name}` ({who}) or an admin can change or remove it."
    )


def check_can_manage_task(
    task: Task, person: Person, admin_user_ids: Collection[str], verb: str
) -> None:
    """Refuse unless the person asked the task or is an admin."""
    if task.creator_id == person.id or is_admin(person, admin_user_ids):
        return
    raise NotAllowed(f"Only the person who asked task #{task.id}, or an admin, can {verb} it.")


def check_can_manage_people(person: Person, admin_user_ids: Collection[str]) -> None:
    """Refuse unless the person is an admin."""
    if not is_admin(person, admin_user_ids):
        raise NotAllowed("Only an admin can add, change or remove people.")


def retry_task(
    session: Session,
    original: Task,
    person: Person,
    admin_user_ids: Collection[str],
    channel_id: str | None,
    team_id: str | None,
    request_key: str | None = None,
    response_url: str | None = None,
) -> Task:
    """Create a new task that asks the same model the same prompt, if allowed."""
    check_can_manage_task(original, person, admin_user_ids, "retry")
    if original.model is None:
        raise Refused(
            f"Task #{original.id}'s model `{original.model_name}` was removed; ask another one."
        )
    if request_key and queries.find_task_by_request_key(session, request_key):
        raise Refused("That retry was already started.")
    task = queries.create_task(
        session,
        person,
        original.model,
        original.prompt,
        channel_id=channel_id,
        team_id=team_id,
        request_key=request_key,
        response_url=response_url,
        retry_of=original,
        name=original.name,
    )
    return task


def cancel_task(
    session: Session, task: Task, person: Person, admin_user_ids: Collection[str]
) -> str:
    """Cancel a task if allowed and not ended; return a sentence saying what happened."""
    check_can_manage_task(task, person, admin_user_ids, "cancel")
    if task.status.finished:
        return f"Task #{task.id} already ended ({task.status.value.lower()}); nothing to cancel."
    was_running = task.status.value == "RUNNING"
    queries.cancel_task(session, task.id)
    if was_running:
        return f"Task #{task.id} is cancelled; the worker stops it within a few seconds."
    return f"Task #{task.id} is cancelled before it started."
