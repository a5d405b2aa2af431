"""Queries: each takes the caller's session and never commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import (
    FINISHED_STATUSES,
    LlmModel,
    Person,
    SignInToken,
    Task,
    TaskStatus,
    utcnow,
)

TASK_NAME_LENGTH = 60


# People ----------------------------------------------------------------------


def get_or_create_person(
    session: Session, user_id: str, team_id: str, fallback_name: str
) -> Person:
    """Return the person for a Slack account, creating it on first sight."""
    person = find_person(session, user_id, team_id)
    if person is not None:
        return person
    try:
        with session.begin_nested():
            person = Person(slack_user_id=user_id, slack_team_id=team_id, name=fallback_name)
            session.add(person)
    except IntegrityError:
        # Another request created the same person between our read and our write.
        person = find_person(session, user_id, team_id)
        assert person is not None
    return person


def find_person(session: Session, user_id: str, team_id: str | None = None) -> Person | None:
    """Return the person with a Slack user id (in a team when given)."""
    query = select(Person).where(Person.slack_user_id == user_id)
    if team_id is not None:
        query = query.where(Person.slack_team_id == team_id)
    return session.scalars(query.order_by(Person.id).limit(1)).first()


def list_people(session: Session) -> Sequence[Person]:
    """Return everyone, by name."""
    return session.scalars(select(Person).order_by(func.lower(Person.name), Person.id)).all()


def task_counts_by_person(session: Session) -> dict[int, int]:
    """Return how many tasks each person asked."""
    rows = session.execute(
        select(Task.creator_id, func.count())
        .where(Task.creator_id.is_not(None))
        .group_by(Task.creator_id)
    )
    return {creator_id: count for creator_id, count in rows if creator_id is not None}


# Models ----------------------------------------------------------------------


def find_model(session: Session, name: str) -> LlmModel | None:
    """Return the model registered under a name (names are case-insensitive)."""
    return session.scalars(
        select(LlmModel).where(func.lower(LlmModel.name) == name.lower())
    ).first()


def list_models(session: Session) -> Sequence[LlmModel]:
    """Return every registered model, by name."""
    return session.scalars(select(LlmModel).order_by(LlmModel.name)).all()


def model_names(session: Session) -> list[str]:
    """Return the names of the registered models."""
    return list(session.scalars(select(LlmModel.name).order_by(LlmModel.name)))


# Tasks -----------------------------------------------------------------------


def task_name_from_prompt(prompt: str) -> str:
    """Derive a task's name from the first line of its prompt."""
    first_line = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    if len(first_line) <= TASK_NAME_LENGTH:
        return first_line or "(empty prompt)"
    return first_line[: TASK_NAME_LENGTH - 1].rstrip() + "…"


def create_task(
    session: Session,
    creator: Person,
    model: LlmModel,
    prompt: str,
    channel_id: str | None = None,
    team_id: str | None = None,
    request_key: str | None = None,
    response_url: str | None = None,
    name: str | None = None,
    retry_of: Task | None = None,
) -> Task:
    """Add a PENDING task for a person's prompt to a model."""
    task = Task(
        name=name or task_name_from_prompt(prompt),
        creator=creator,
        prompt=prompt,
        model=model,
        model_name=model.name,
        status=TaskStatus.PENDING,
        slack_channel_id=channel_id,
        slack_team_id=team_id,
        slack_request_key=request_key,
        slack_response_url=response_url,
        retry_of_id=retry_of.id if retry_of else None,
    )
    session.add(task)
    session.flush()
    return task


def find_task_by_request_key(session: Session, request_key: str) -> Task | None:
    """Return the task a Slack request already created, if any."""
    return session.scalars(select(Task).where(Task.slack_request_key == request_key)).first()


def get_task(session: Session, task_id: int) -> Task | None:
    """Return a task by id."""
    return session.get(Task, task_id)


def recent_tasks_of(session: Session, person: Person, limit: int = 10) -> Sequence[Task]:
    """Return a person's newest tasks."""
    query = (
        select(Task)
        .where(Task.creator_id == person.id)
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()


@dataclass(frozen=True)
class TaskFilter:
    """What the task list is narrowed to."""

    status: TaskStatus | None = None
    model_name: str | None = None
    creator_id: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of tasks and where it sits among the others."""

    tasks: Sequence[Task]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return how many pages there are (at least one)."""
        return max(1, -(-self.total // self.per_page))


def tasks_page(
    session: Session, number: int = 1, per_page: int = 50, filters: TaskFilter | None = None
) -> Page:
    """Return a page of tasks, newest first."""
    conditions = _task_conditions(filters or TaskFilter())
    total = session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0
    number = max(1, number)
    query = (
        select(Task)
        .where(*conditions)
        .order_by(Task.created_at.desc(), Task.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return Page(session.scalars(query).all(), number, per_page, total)


def _task_conditions(filters: TaskFilter) -> list:  # type: ignore[type-arg]
    conditions = []
    if filters.status is not None:
        conditions.append(Task.status == filters.status)
    if filters.model_name:
        conditions.append(func.lower(Task.model_name) == filters.model_name.lower())
    if filters.creator_id is not None:
        conditions.append(Task.creator_id == filters.creator_id)
    if filters.text:
        conditions.append(
            or_(
                Task.prompt.icontains(filters.text, autoescape=True),
                Task.answer.icontains(filters.text, autoescape=True),
                Task.name.icontains(filters.text, autoescape=True),
            )
        )
    return conditions


def mark_dispatched(session: Session, task_id: int) -> None:
    """Record that a task's message reached the queue."""
    session.execute(update(Task).where(Task.id == task_id).values(dispatched_at=utcnow()))


def claim_task(session: Session, task_id: int, lease_seconds: int) -> Task | None:
    """Take a task to run: PENDING, or RUNNING whose worker stopped renewing its lease."""
    now = utcnow()
    result = session.execute(
        update(Task)
        .where(
            Task.id == task_id,
            or_(
                Task.status == TaskStatus.PENDING,
                and_(Task.status == TaskStatus.RUNNING, Task.lease_expires_at < now),
            ),
        )
        .values(
            status=TaskStatus.RUNNING,
            attempts=Task.attempts + 1,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=func.coalesce(Task.started_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        return None
    task = session.get(Task, task_id, populate_existing=True)
    return task


def renew_leases(session: Session, task_ids: Sequence[int], lease_seconds: int) -> None:
    """Push back the lease of tasks this worker is still running."""
    if not task_ids:
        return
    session.execute(
        update(Task)
        .where(Task.id.in_(task_ids), Task.status == TaskStatus.RUNNING)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )


def statuses_of(session: Session, task_ids: Sequence[int]) -> dict[int, TaskStatus]:
    """Return the current status of some tasks."""
    if not task_ids:
        return {}
    rows = session.execute(select(Task.id, Task.status).where(Task.id.in_(task_ids)))
    return {task_id: status for task_id, status in rows}


def finish_task(session: Session, task_id: int, status: TaskStatus, **values: object) -> bool:
    """Record a task's end unless it already ended (a cancel wins over a late answer)."""
    result = session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status.not_in(FINISHED_STATUSES))
        .values(status=status, finished_at=utcnow(), lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def cancel_task(session: Session, task_id: int) -> bool:
    """Mark a task CANCELLED if it has not ended yet."""
    return finish_task(session, task_id, TaskStatus.CANCELLED, error="cancelled")


def update_task(session: Session, task_id: int, **values: object) -> None:
    """Set some columns of a task."""
    session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def undispatched_tasks(
    session: Session, created_before: datetime, dispatched_before: datetime, limit: int = 500
) -> list[int]:
    """Return PENDING tasks that never reached the queue, or whose message seems lost."""
    query = (
        select(Task.id)
        .where(
            Task.status == TaskStatus.PENDING,
            Task.created_at < created_before,
            or_(Task.dispatched_at.is_(None), Task.dispatched_at < dispatched_before),
        )
        .order_by(Task.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def take_for_dispatch(session: Session, task_id: int, dispatched_before: datetime) -> bool:
    """Mark a PENDING task as being dispatched again; False if someone else just did."""
    result = session.execute(
        update(Task)
        .where(
            Task.id == task_id,
            Task.status == TaskStatus.PENDING,
            or_(Task.dispatched_at.is_(None), Task.dispatched_at < dispatched_before),
        )
        .values(dispatched_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def lapsed_tasks(session: Session, limit: int = 500) -> list[int]:
    """Return RUNNING tasks whose worker stopped renewing the lease."""
    query = (
        select(Task.id)
        .where(Task.status == TaskStatus.RUNNING, Task.lease_expires_at < utcnow())
        .order_by(Task.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def take_lapsed(session: Session, task_id: int) -> bool:
    """Put a lapsed task back in the queue's hands; False if another worker just did."""
    now = utcnow()
    result = session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status == TaskStatus.RUNNING, Task.lease_expires_at < now)
        .values(status=TaskStatus.PENDING, dispatched_at=now, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _rowcount(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


# Sign-in ---------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_sign_in_token(session: Session, person: Person, lifetime: timedelta) -> str:
    """Store a single-use sign-in token for a person and return it."""
    token = secrets.token_urlsafe(32)
    session.add(
        SignInToken(token_hash=_hash_token(token), person=person, expires_at=utcnow() + lifetime)
    )
    session.flush()
    return token


def peek_sign_in_token(session: Session, token: str) -> SignInToken | None:
    """Return a sign-in token that can still be used, without using it."""
    row = session.scalars(
        select(SignInToken).where(SignInToken.token_hash == _hash_token(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def use_sign_in_token(session: Session, token: str) -> Person | None:
    """Spend a sign-in token and return whom it signs in; None when spent or expired."""
    now = utcnow()
    result = session.execute(
        update(SignInToken)
        .where(
            SignInToken.token_hash == _hash_token(token),
            SignInToken.used_at.is_(None),
            SignInToken.expires_at >= now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        return None
    row = session.scalars(
        select(SignInToken).where(SignInToken.token_hash == _hash_token(token))
    ).one()
    return row.person
