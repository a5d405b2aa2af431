"""What the web pages were given at start-up, reachable from any request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from settings import Settings

EXTENSION_KEY = "promptdesk.web"

HealthCheck = Callable[[], dict[str, str]]


@dataclass(frozen=True)
class WebContext:
    """The settings, the session factory and the Redis probe of the web pages."""

    settings: Settings
    sessions: sessionmaker[Session]
    health: HealthCheck | None


def install_context(app: Flask, context: WebContext) -> None:
    """Attach the context to an app."""
    app.extensions[EXTENSION_KEY] = context


def web_context() -> WebContext:
    """Return the context of the app handling the current request."""
    context: WebContext = current_app.extensions[EXTENSION_KEY]
    return context
