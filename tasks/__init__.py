"""The worker side: the Celery app, LLM calls and every slow Slack call.

`celery -A tasks worker` finds the app as `tasks.app`, built from the environment on
first access, so that importing this package reads nothing by itself.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from settings import Settings
from tasks import worker_signals
from tasks.celery_app import make_celery


def make_worker_app() -> Celery:
    """Build the Celery app for a worker process from the environment."""
    app = make_celery(Settings.from_env())
    worker_signals.connect()
    return app


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        app = make_worker_app()
        globals()["app"] = globals()["celery"] = app
        return app
    raise AttributeError(name)
