"""The Celery tasks: thin wrappers that hand a primary key to plain functions."""

from __future__ import annotations

from typing import Any

from celery import Task as CeleryTask
from celery import shared_task

from tasks import home, people, probes, runner
from tasks.celery_app import NOTIFY, PUBLISH_HOME, REFRESH_PERSON, RUN_TASK, TEST_MODEL
from tasks.delivery import tell_privately
from tasks.runtime import runtime_of


@shared_task(name=RUN_TASK, bind=True)
def run_task(self: CeleryTask, task_id: int) -> None:  # type: ignore[type-arg]
    """Run a task: call its model and deliver the answer to Slack."""
    runner.run_task(runtime_of(self.app), int(task_id))


@shared_task(name=REFRESH_PERSON, bind=True)
def refresh_person(self: CeleryTask, person_id: int) -> None:  # type: ignore[type-arg]
    """Fill in a person's real name from Slack."""
    people.refresh_person(runtime_of(self.app), int(person_id))


@shared_task(name=TEST_MODEL, bind=True)
def test_model(self: CeleryTask, model_id: int, reply_to: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """Make a real call to a model's endpoint and tell the person how it went."""
    probes.test_model(runtime_of(self.app), int(model_id), reply_to)


@shared_task(name=NOTIFY, bind=True)
def notify(self: CeleryTask, reply_to: dict[str, Any], text: str) -> None:  # type: ignore[type-arg]
    """Tell a person something privately."""
    tell_privately(
        runtime_of(self.app).slack,
        reply_to.get("channel_id") or "",
        reply_to.get("user_id") or "",
        reply_to.get("response_url"),
        text,
    )


@shared_task(name=PUBLISH_HOME, bind=True)
def publish_home(self: CeleryTask, user_id: str, team_id: str) -> None:  # type: ignore[type-arg]
    """Publish someone's App Home tab."""
    home.publish_home(runtime_of(self.app), user_id, team_id)
