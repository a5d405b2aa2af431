"""Watching FakeSlack until every task's answer is in its thread, and when each arrived."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from db.models import TaskStatus
from tasks.messages import status_label
from tasks.mrkdwn import to_mrkdwn
from tests.fakes.llm_server import LLMRequest
from tests.fakes.slack_api import Call, FakeSlack

DONE = status_label(TaskStatus.SUCCESS)
ENDED_BADLY = (status_label(TaskStatus.FAILURE), status_label(TaskStatus.CANCELLED))
CARD_TASK_ID = re.compile(r"Task #(\d+)")
ANSWER_METHODS = ("chat.postMessage", "chat.update")
SETUP_METHODS = ("auth.test", "users.info")
POLL_SECONDS = 0.2

Owners = dict[tuple[Any, Any], int]


def expected_answer(prompt: str, scripted: str | None = None) -> str:
    """Return the reply the endpoint's answer becomes in Slack (an echo unless scripted)."""
    return to_mrkdwn(scripted if scripted is not None else f"Answer to: {prompt}")


@dataclass
class Progress:
    """Which tasks have their answer in Slack, and which ended badly."""

    done: set[int] = field(default_factory=set)
    failed: dict[int, str] = field(default_factory=dict)

    def finished(self, expected: Iterable[int]) -> bool:
        """Tell whether every expected task has ended one way or the other."""
        return all(task in self.done or task in self.failed for task in expected)


def card_task_id(message: dict[str, Any]) -> int | None:
    """Return the task id of a task message (its metadata, else its text)."""
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    if payload.get("part") == -1 and isinstance(payload.get("task_id"), int):
        return int(payload["task_id"])
    match = CARD_TASK_ID.match(str(message.get("text") or ""))
    return int(match.group(1)) if match else None


def scan(messages: list[dict[str, Any]], expected: dict[int, str]) -> Progress:
    """Judge every expected task from a snapshot of FakeSlack's messages."""
    cards: dict[int, dict[str, Any]] = {}
    replies: dict[tuple[str, str], list[str]] = {}
    for message in messages:
        thread = message.get("thread_ts")
        if thread and thread != message["ts"]:
            replies.setdefault((message["channel"], thread), []).append(message.get("text", ""))
        elif (task_id := card_task_id(message)) in expected:
            cards[task_id] = message  # type: ignore[index]
    progress = Progress()
    for task_id, card in cards.items():
        text, thread = str(card.get("text") or ""), replies.get((card["channel"], card["ts"]), [])
        if DONE in text and expected[task_id] in thread:
            progress.done.add(task_id)
        elif any(label in text for label in ENDED_BADLY):
            progress.failed[task_id] = " / ".join(thread)[-300:] or text
    return progress


def wait_for_answers(
    slack: FakeSlack, expected: dict[int, str], timeout: float, check: Callable[[], None]
) -> Progress:
    """Poll FakeSlack until every task ended or the time is up; `check` raises if a part died."""
    deadline = time.monotonic() + timeout
    while True:
        progress = scan(slack.messages(), expected)
        if progress.finished(expected) or time.monotonic() > deadline:
            return progress
        check()
        time.sleep(POLL_SECONDS)


def thread_owners(messages: list[dict[str, Any]], expected: dict[int, str]) -> Owners:
    """Map (channel, ts) of every task message and of every reply under it to its task."""
    owners: Owners = {}
    for message in messages:
        task_id = card_task_id(message)
        if task_id in expected and not message.get("thread_ts"):
            owners[(message["channel"], message["ts"])] = task_id  # type: ignore[assignment]
    for message in messages:
        parent = (message["channel"], message.get("thread_ts"))
        if parent in owners:
            owners[(message["channel"], message["ts"])] = owners[parent]  # type: ignore[index]
    return owners


def answer_times(
    calls: list[Call], messages: list[dict[str, Any]], expected: dict[int, str]
) -> dict[int, float]:
    """Return, per task, when Slack first received its complete answer in its thread."""
    owners = thread_owners(messages, expected)
    times: dict[int, float] = {}
    for call in calls:
        if call.method not in ANSWER_METHODS:
            continue
        where = call.params.get("thread_ts") or call.params.get("ts")
        task_id = owners.get((call.params.get("channel"), where))
        if task_id is not None and str(call.params.get("text")) == expected[task_id]:
            times.setdefault(task_id, call.at)
    return times


def done_times(calls: list[Call], expected: dict[int, str]) -> dict[int, float]:
    """Return, per task, when its message was edited to show it is done."""
    times: dict[int, float] = {}
    for call in calls:
        text = str(call.params.get("text") or "")
        if call.method == "chat.update" and DONE in text:
            match = CARD_TASK_ID.match(text)
            if match and int(match.group(1)) in expected:
                times.setdefault(int(match.group(1)), call.at)
    return times


def card_post_times(calls: list[Call], expected: dict[int, str]) -> dict[int, float]:
    """Return, per task, when its message was first posted in the channel."""
    times: dict[int, float] = {}
    for call in calls:
        if call.method == "chat.postMessage" and not call.params.get("thread_ts"):
            task_id = card_task_id(call.params)
            if task_id in expected:
                times.setdefault(task_id, call.at)  # type: ignore[arg-type]
    return times


def llm_call_times(requests: list[LLMRequest], task_of_prompt: dict[str, int]) -> dict[int, float]:
    """Return, per task, when the endpoint received its request."""
    times: dict[int, float] = {}
    for request in requests:
        prompt = str((request.messages or [{}])[-1].get("content", ""))
        task_id = task_of_prompt.get(prompt)
        if task_id is not None:
            times.setdefault(task_id, request.at)
    return times


def call_counts(calls: list[Call]) -> Counter[str]:
    """Count the Web API calls by method."""
    return Counter(call.method for call in calls)
