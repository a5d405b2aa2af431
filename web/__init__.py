"""The web console: overview, tasks, models, people, sign-in, health."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Blueprint, Flask
from sqlalchemy.orm import Session, sessionmaker

from db.keys import KeyBox
from settings import Settings
from web import (
    auth,
    errors,
    formatting,
    headers,
    health,
    messages,
    overview,
    task_actions,
    views_models,
    views_people,
    views_tasks,
)
from web.context import HealthCheck, WebContext, install_context
from web.csrf import check_csrf, csrf_token, protect_unsafe_methods
from web.scope import BLUEPRINT_NAME, STATIC_URL_PATH
from web.task_queue import TaskQueue

__all__ = [
    "TaskQueue",
    "check_csrf",
    "csrf_token",
    "current_person",
    "init_web",
    "login_required",
]
PAGE_MODULES = (
    auth,
    overview,
    task_actions,
    views_tasks,
    views_models,
    views_people,
    health,
    errors,
    formatting,
    headers,
)

login_required = auth.login_required
current_person = auth.current_person

SESSION_LIFETIME = timedelta(hours=12)
SESSION_COOKIE_NAME = "promptdesk_session"
SESSION_KEY_PURPOSE = b"promptdesk web session"


def init_web(
    app: Flask,
    settings: Settings,
    sessions: sessionmaker[Session],
    health: HealthCheck | None = None,
    queue: TaskQueue | None = None,
) -> None:
    """Serve the web pages from an app; `queue` starts tasks and model tests (None: off)."""
    configure_session_cookie(app, settings)
    keys = KeyBox(settings.secret_key, settings.secret_key_fallbacks)
    context = WebContext(settings, sessions, keys, health=health, queue=queue)
    install_context(app, context)
    app.register_blueprint(build_blueprint())


def configure_session_cookie(app: Flask, settings: Settings) -> None:
    """Sign the session cookie with a key of its own and keep it from scripts and other sites."""
    app.secret_key = session_signing_key(settings.secret_key)
    app.config.update(
        SECRET_KEY_FALLBACKS=[session_signing_key(key) for key in settings.secret_key_fallbacks],
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url_is_https,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # The cookie expires SESSION_LIFETIME after sign-in, not after the last click.
        SESSION_REFRESH_EACH_REQUEST=False,
    )


def session_signing_key(secret_key: str) -> str:
    """Derive the cookie-signing key, so the secret that encrypts API keys never signs cookies."""
    return hmac.new(secret_key.encode(), SESSION_KEY_PURPOSE, hashlib.sha256).hexdigest()


def build_blueprint() -> Blueprint:
    """Return a blueprint with every route, filter, hook and error page of the pages."""
    bp = Blueprint(
        BLUEPRINT_NAME,
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path=STATIC_URL_PATH,
    )
    bp.before_request(protect_unsafe_methods)
    bp.add_app_template_global(csrf_token, "csrf_token")
    # Templates and their macros read every sentence from web.messages.
    bp.record_once(lambda state: state.app.jinja_env.globals.update(messages=messages))
    for module in PAGE_MODULES:
        module.register(bp)
    return bp
