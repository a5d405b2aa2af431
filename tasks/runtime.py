"""What a worker process holds: settings, database sessions, Slack client, key box."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import Celery
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

from db.keys import KeyBox
from db.session import make_engine, make_session_factory
from settings import Settings

SLACK_TIMEOUT_SECONDS = 30


def make_slack_client(settings: Settings) -> WebClient:
    """Return a Web API client that waits out 429s and retries dropped connections."""
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
    )
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=8),
            ServerErrorRetryHandler(max_retry_count=3),
        ]
    )
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=3))
    return client


@dataclass
class InFlight:
    """The tasks this process is running, and how to stop each of them."""

    _stoppers: dict[int, Callable[[], None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task_id: int, stop: Callable[[], None]) -> None:
        """Register a running task with the function that stops it."""
        with self._lock:
            self._stoppers[task_id] = stop

    def discard(self, task_id: int) -> None:
        """Forget a task that ended."""
        with self._lock:
            self._stoppers.pop(task_id, None)

    def ids(self) -> list[int]:
        """Return the ids of the running tasks."""
        with self._lock:
            return list(self._stoppers)

    def stop(self, task_id: int) -> None:
        """Ask a running task to stop."""
        with self._lock:
            stop = self._stoppers.get(task_id)
        if stop is not None:
            stop()


@dataclass
class Runtime:
    """Long-lived objects shared by every task of a worker process."""

    settings: Settings
    sessions: sessionmaker[Session]
    slack: WebClient
    keys: KeyBox
    inflight: InFlight = field(default_factory=InFlight)


def build_runtime(settings: Settings) -> Runtime:
    """Create the shared objects for a worker process."""
    pool_size = min(settings.db_pool_size, settings.worker_concurrency)
    engine = make_engine(settings.database_url, pool_size=pool_size)
    return Runtime(
        settings=settings,
        sessions=make_session_factory(engine),
        slack=make_slack_client(settings),
        keys=KeyBox(settings.secret_key, settings.secret_key_fallbacks),
    )


_runtime_lock = threading.Lock()


def runtime_of(app: Celery) -> Runtime:
    """Return the runtime of a Celery app, created on first use."""
    runtime = getattr(app, "promptdesk_runtime", None)
    if runtime is None:
        with _runtime_lock:
            runtime = getattr(app, "promptdesk_runtime", None)
            if runtime is None:
                runtime = build_runtime(app.conf.promptdesk_settings)
                app.promptdesk_runtime = runtime  # type: ignore[attr-defined]
    return runtime
