"""The three tables of the platform (person, model, task) and the sign-in tokens."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that SQLite hands back aware, like PostgreSQL does."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base class of every table."""


class TaskStatus(enum.StrEnum):
    """Where a task is in its life."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        """Tell whether the task has reached its end."""
        return self in FINISHED_STATUSES


FINISHED_STATUSES = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.CANCELLED})


class Person(Base):
    """Someone who used the app: a Slack account."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("slack_user_id", "slack_team_id", name="uq_person_slack"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    slack_team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def mention(self) -> str:
        """Return the Slack mention of this person."""
        return f"<@{self.slack_user_id}>"


class LlmModel(Base):
    """An OpenAI-compatible endpoint registered under a short name."""

    __tablename__ = "model"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    provider_model: Mapped[str] = mapped_column(String(200))
    api_key_encrypted: Mapped[str] = mapped_column(Text)
    api_key_hint: Mapped[str] = mapped_column(String(16))
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=120)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column()
    last_test_latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_test_message: Mapped[str | None] = mapped_column(String(500))
    maintainer_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    maintainer: Mapped[Person | None] = relationship(lazy="joined")


class Task(Base):
    """One request to a model, with its answer and its traces in Slack."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_status_lease", "status", "lease_expires_at"),
        Index("ix_task_created", "created_at"),
        Index("ix_task_creator_created", "creator_id", "created_at"),
        Index("ix_task_status_created", "status", "created_at"),
        Index("ix_task_model_name_created", "model_name", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    prompt: Mapped[str] = mapped_column(Text)
    model_id: Mapped[int | None] = mapped_column(
        ForeignKey("model.id", ondelete="SET NULL"), index=True
    )
    model_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, name="task_status", native_enum=False, length=16),
        default=TaskStatus.PENDING,
    )
    answer: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_token_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    total_tokens: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slack_team_id: Mapped[str | None] = mapped_column(String(32))
    slack_channel_id: Mapped[str | None] = mapped_column(String(32))
    slack_message_ts: Mapped[str | None] = mapped_column(String(32))
    slack_answer_channel_id: Mapped[str | None] = mapped_column(String(32))
    slack_answer_ts: Mapped[str | None] = mapped_column(String(400))
    slack_request_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    slack_response_url: Mapped[str | None] = mapped_column(String(500))
    retry_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), nullable=True
    )

    creator: Mapped[Person | None] = relationship(lazy="joined")
    model: Mapped[LlmModel | None] = relationship(lazy="joined")

    @property
    def duration_seconds(self) -> float | None:
        """Return how long the model call took, once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SignInToken(Base):
    """A single-use link that signs a person in to the web pages."""

    __tablename__ = "sign_in_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
