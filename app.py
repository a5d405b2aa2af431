"""The HTTP entry point: Slack's Request URL and the web pages.

`gunicorn 'app:create_app()'` in production; `python app.py` for everything locally.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import signal
import subprocess
import sys
from datetime import timedelta

import redis
from flask import Flask, Response, request
from slack_bolt.adapter.flask import SlackRequestHandler

from bot import make_bolt_app
from db import queries
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from settings import Settings
from tasks.celery_app import make_celery
from tasks.dispatch import Dispatcher
from web import init_web

logger = logging.getLogger("promptdesk")

LOCAL_ADMIN_USER_ID = "local-admin"
LOCAL_TEAM_ID = "local"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app: `/slack/events`, the pages and `/healthz`."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = make_session_factory(engine)
    dispatcher = Dispatcher(make_celery(settings))
    flask_app = Flask(__name__)
    flask_app.config["PROMPTDESK_SETTINGS"] = settings
    flask_app.extensions["promptdesk"] = {"sessions": sessions, "dispatcher": dispatcher}
    init_web(
        flask_app,
        settings,
        sessions,
        health=lambda: redis_health(settings.redis_url),
        queue=dispatcher,
    )
    bolt = make_bolt_app(settings, sessions, dispatcher) if slack_configured(settings) else None
    flask_app.extensions["promptdesk"]["bolt"] = bolt
    handler = SlackRequestHandler(bolt) if bolt is not None else None

    @flask_app.post("/slack/events")
    def slack_events() -> Response:
        if handler is None:
            return Response(
                "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.", status=503
            )
        return handler.handle(request)  # type: ignore[no-any-return]

    return flask_app


def slack_configured(settings: Settings) -> bool:
    """Tell whether there is enough to answer Slack."""
    return bool(
        settings.slack_bot_token and (settings.slack_signing_secret or settings.slack_app_token)
    )


def redis_health(url: str) -> dict[str, str]:
    """Ping Redis quickly and report."""
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
        return {"redis": "ok"}
    except redis.RedisError as error:
        return {"redis": f"error: {error.__class__.__name__}"}
    finally:
        client.close()


def local_sign_in_link(settings: Settings) -> str:
    """Return a one-time sign-in link for the local admin."""
    sessions = make_session_factory(make_engine(settings.database_url, pool_size=1))
    with sessions.begin() as session:
        person = queries.get_or_create_person(
            session, LOCAL_ADMIN_USER_ID, LOCAL_TEAM_ID, "Local admin"
        )
        person.is_admin = True
        token = queries.create_sign_in_token(session, person, timedelta(minutes=10))
    return f"{settings.public_url}/signin/{token}"


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    """Start `celery -A tasks worker` as a child process that ends with us."""
    command = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--loglevel=INFO"]
    worker = subprocess.Popen(command, env={**_child_env(), **settings.to_env()})
    atexit.register(_stop, worker)
    return worker


def _child_env() -> dict[str, str]:
    import os

    # The child needs PATH and the like; its promptdesk settings come from to_env().
    return {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV", "PYTHONPATH")
    }


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    """Run promptdesk locally: schema, worker, HTTP, and Socket Mode when configured."""
    parser = argparse.ArgumentParser(description="Run promptdesk locally.")
    parser.add_argument("--no-worker", action="store_true", help="do not start a Celery worker")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings.from_env()
    # Turn SIGTERM into a normal exit, so that atexit stops the worker child too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    upgrade(make_engine(settings.database_url, pool_size=1))
    if not args.no_worker:
        start_worker(settings)
    flask_app = create_app(settings)
    if settings.slack_app_token:
        start_socket_mode(flask_app, settings)
    elif not slack_configured(settings):
        logger.warning(
            "SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET are not set: Slack is off, the web pages work."
        )
    print(
        f"\npromptdesk is up on {settings.public_url}\n"
        "Sign in as the local admin (link valid 10 minutes, once):\n"
        f"  {local_sign_in_link(settings)}\n",
        flush=True,
    )
    flask_app.run(host="0.0.0.0", port=settings.port, threaded=True, use_reloader=False)
    return 0


def start_socket_mode(flask_app: Flask, settings: Settings) -> None:
    """Receive Slack's requests over a WebSocket instead of the public Request URL."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    bolt = flask_app.extensions["promptdesk"]["bolt"]
    SocketModeHandler(bolt, settings.slack_app_token).connect()
    logger.info("Socket Mode is on: no public Request URL needed.")


if __name__ == "__main__":
    sys.exit(main())
