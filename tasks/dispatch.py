"""Putting work on the queue: by primary key, after commit, never blocking for long."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery

from tasks.celery_app import NOTIFY, PUBLISH_HOME, REFRESH_PERSON, RUN_TASK, TEST_MODEL

logger = logging.getLogger(__name__)


class Dispatcher:
    """Sends task messages to the workers; says False when the queue is out of reach."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def run_task(self, task_id: int) -> bool:
        """Queue a task to run."""
        return self._send(RUN_TASK, task_id)

    def refresh_person(self, person_id: int) -> bool:
        """Queue a look-up of a person's real name."""
        return self._send(REFRESH_PERSON, person_id)

    def test_model(self, model_id: int, reply_to: dict[str, Any]) -> bool:
        """Queue a test call to a model."""
        return self._send(TEST_MODEL, model_id, reply_to)

    def notify(self, reply_to: dict[str, Any], text: str) -> bool:
        """Queue a private note to a person (ephemeral, or by DM when there is no channel)."""
        return self._send(NOTIFY, reply_to, text)

    def publish_home(self, user_id: str, team_id: str) -> bool:
        """Queue a refresh of someone's App Home tab."""
        return self._send(PUBLISH_HOME, user_id, team_id)

    def _send(self, name: str, *args: Any) -> bool:
        try:
            self.celery.send_task(name, args=list(args))
        except Exception as error:  # noqa: BLE001 - any broker failure means "not queued"
            logger.warning("could not queue %s%s: %s", name, args[:1], error)
            return False
        return True
