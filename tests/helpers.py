"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import re
from typing import Any

from db.models import Task, TaskStatus
from tasks.messages import status_label
from tests.stack import SlackUser, Stack


def register(
    user: SlackUser,
    env: Stack,
    name: str = "qwen",
    key: str = "sk-test-1234567890abcd",
    extra: str = "",
) -> str:
    """Register a model on the fake endpoint."""
    return user.model(
        f"add {name} url={env.llm.base_url} model={name}-plus key={key} {extra}".strip()
    )


def task_id_in(reply: str) -> int:
    """Return the `#<id>` a reply names."""
    match = re.search(r"#(\d+)", reply)
    assert match, reply
    return int(match.group(1))


def task(env: Stack, task_id: int) -> Task:
    """Return a task row as it is now."""
    with env.sessions()() as session:
        row = session.get(Task, task_id)
        assert row is not None
        return row


def wait_status(env: Stack, task_id: int, *statuses: TaskStatus, timeout: float = 20) -> Task:
    """Wait until a task reaches one of some statuses."""
    wanted = statuses or (TaskStatus.SUCCESS,)

    def reached() -> bool:
        return task(env, task_id).status in wanted

    env.slack.wait_for(reached, timeout=timeout)
    row = task(env, task_id)
    if row.status.finished and row.slack_channel_id:
        # The row ends first; the task message shows the end a moment later.
        label = status_label(row.status)
        env.slack.wait_for(lambda: label in card_text(env, task_id), timeout=timeout)
    return task(env, task_id)


def card_text(env: Stack, task_id: int) -> str:
    """Return the first block's text of a task message, or "" before it is posted."""
    row = task(env, task_id)
    cards = [m for m in env.slack.messages() if m["ts"] == row.slack_message_ts]
    return cards[0]["blocks"][0]["text"]["text"] if cards else ""


def card_of(env: Stack, task_id: int) -> dict[str, Any]:
    """Return the task message of a task in the fake Slack."""
    row = task(env, task_id)
    [card] = [m for m in env.slack.messages() if m["ts"] == row.slack_message_ts]
    return card


def answer_texts(env: Stack, task_id: int) -> list[str]:
    """Return the texts of a task's thread replies."""
    card = card_of(env, task_id)
    return [m["text"] for m in env.slack.thread(card["channel"], card["ts"])]
