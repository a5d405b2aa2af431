"""Queries: each takes the caller's session and never commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Row, and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

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
        # Marked dispatched before the publish that follows the commit; see db.handoff.
        dispatched_at=utcnow(),
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


# What running a task needs, read as plain columns: a worker claims hundreds a second.
_RUN_COLUMNS = (
    select(
        Task.id,
        Task.prompt,
        Task.model_name,
        Task.attempts,
        Task.slack_channel_id,
        Task.slack_answer_channel_id,
        Task.slack_message_ts,
        Task.slack_answer_ts,
        Task.slack_response_url,
        LlmModel.id.label("model_id"),
        LlmModel.name.label("model_current_name"),
        LlmModel.base_url,
        LlmModel.provider_model,
        LlmModel.api_key_encrypted,
        LlmModel.timeout_seconds,
        Person.slack_user_id.label("asker_user_id"),
    )
    .select_from(Task)
    .outerjoin(LlmModel, Task.model_id == LlmModel.id)
    .outerjoin(Person, Task.creator_id == Person.id)
)


def claim_task(session: Session, task_id: int, lease_seconds: int) -> Row[Any] | None:
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
    row: Row[Any] = session.execute(_RUN_COLUMNS.where(Task.id == task_id)).one()  # type: ignore[assignment]
    return row


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


# Web console -----------------------------------------------------------------
# Queries of the web pages. The task list reads a page's ids from an index first and
# loads only those rows, so deep pages and filters never drag whole rows through a sort.


def web_task_conditions(session: Session, filters: TaskFilter) -> list[ColumnElement[bool]]:
    """Return the WHERE terms of a task-list filter, written so that indexes can serve them."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Task.status == filters.status)
    if filters.model_name:
        # Model names are stored lower-case (db.validation.check_name), so no lower() scan.
        conditions.append(Task.model_name == filters.model_name.lower())
    if filters.creator_id is not None:
        conditions.append(Task.creator_id == filters.creator_id)
    if filters.text:
        conditions.append(_text_matches(session, filters.text))
    return conditions


def _text_matches(session: Session, text: str) -> ColumnElement[bool]:
    columns = (Task.prompt, Task.answer, Task.name)
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE already ignores ASCII case, as its lower() does: skip lower(), 2x faster.
        return or_(*(column.contains(text, autoescape=True) for column in columns))
    # lower() LIKE rather than ILIKE: twice as fast on PostgreSQL, and a trigram index
    # on lower(column) can serve it.
    return or_(*(func.lower(column).contains(text.lower(), autoescape=True) for column in columns))


def find_task_ids(session: Session, filters: TaskFilter, offset: int, limit: int) -> list[int]:
    """Return the ids of a slice of the filtered tasks, newest first."""
    query = (
        select(Task.id)
        .where(*web_task_conditions(session, filters))
        .order_by(Task.created_at.desc(), Task.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_tasks(session: Session, filters: TaskFilter, cap: int | None = None) -> int:
    """Count the filtered tasks, stopping at `cap` when given (a search scans every row)."""
    inner = select(Task.id).where(*web_task_conditions(session, filters))
    if cap is not None:
        inner = inner.limit(cap)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def tasks_by_ids(session: Session, ids: Sequence[int]) -> list[Task]:
    """Load tasks for a list, in the order of the ids, without their answers."""
    if not ids:
        return []
    rows = session.scalars(select(Task).where(Task.id.in_(ids)).options(defer(Task.answer)))
    by_id = {task.id: task for task in rows.unique()}
    return [by_id[task_id] for task_id in ids if task_id in by_id]


@dataclass(frozen=True)
class TaskProgress:
    """What shows how far a task got."""

    id: int
    status: TaskStatus
    started_at: datetime | None
    finished_at: datetime | None
    total_tokens: int | None


def task_progress(session: Session, ids: Sequence[int]) -> list[TaskProgress]:
    """Return the status, times and tokens of some tasks."""
    if not ids:
        return []
    columns = (Task.id, Task.status, Task.started_at, Task.finished_at, Task.total_tokens)
    return [TaskProgress(*row) for row in session.execute(select(*columns).where(Task.id.in_(ids)))]


@dataclass(frozen=True)
class DayCount:
    """How many tasks of a status were created on a day, and the tokens they used."""

    day: int
    status: TaskStatus
    tasks: int
    tokens: int


def tasks_per_day(session: Session, bounds: Sequence[datetime]) -> list[DayCount]:
    """Count tasks and tokens by status for each day between consecutive bounds."""
    day = case(
        *((Task.created_at < bound, index) for index, bound in enumerate(bounds[1:])),
        else_=len(bounds) - 1,
    ).label("day")
    rows = session.execute(
        select(day, Task.status, func.count(), func.coalesce(func.sum(Task.total_tokens), 0))
        .where(Task.created_at >= bounds[0], Task.created_at < bounds[-1])
        .group_by(day, Task.status)
    )
    return [
        DayCount(int(index), status, count, int(tokens)) for index, status, count, tokens in rows
    ]


def recent_durations(session: Session, since: datetime, limit: int) -> list[tuple[str, float]]:
    """Return (model name, seconds) of the successes among the newest `limit` tasks since a time."""
    rows = session.execute(
        select(Task.model_name, Task.status, Task.started_at, Task.finished_at)
        .where(Task.created_at >= since)
        .order_by(Task.created_at.desc())
        .limit(limit)
    )
    # The status is checked here, not in SQL: a status term would lure the planner onto the
    # status index and a sort of every successful task (200 ms on 100,000 tasks).
    return [
        (name, (finished - started).total_seconds())
        for name, status, started, finished in rows
        if status == TaskStatus.SUCCESS and started is not None and finished is not None
    ]


def status_totals(session: Session) -> dict[TaskStatus, int]:
    """Return how many tasks there are in each status."""
    rows = session.execute(select(Task.status, func.count()).group_by(Task.status))
    return {status: count for status, count in rows}


def count_tasks_of_model(session: Session, model_id: int) -> int:
    """Return how many tasks asked a model."""
    query = select(func.count()).select_from(Task).where(Task.model_id == model_id)
    return session.scalar(query) or 0


def count_models(session: Session) -> int:
    """Return how many models are registered."""
    return session.scalar(select(func.count()).select_from(LlmModel)) or 0


def count_people(session: Session) -> int:
    """Return how many people there are."""
    return session.scalar(select(func.count()).select_from(Person)) or 0
