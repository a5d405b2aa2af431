"""What the web pages were given at start-up, reachable from any request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from db.keys import KeyBox
from settings import Settings
from web.task_queue import TaskQueue

EXTENSION_KEY = "promptdesk.web"

HealthCheck = Callable[[], dict[str, str]]


@dataclass(frozen=True)
class WebContext:
    """The settings, sessions, key box, Redis probe and task queue of the web pages."""

    settings: Settings
    sessions: sessionmaker[Session]
    keys: KeyBox
    health: HealthCheck | None = None
    queue: TaskQueue | None = None

    @property
    def admin_ids(self) -> frozenset[str]:
        """Return the Slack user ids that have admin rights by settings."""
        return self.settings.admin_slack_user_ids


def install_context(app: Flask, context: WebContext) -> None:
    """Attach the context to an app."""
    app.extensions[EXTENSION_KEY] = context


def web_context() -> WebContext:
    """Return the context of the app handling the current request."""
    context: WebContext = current_app.extensions[EXTENSION_KEY]
    return context
