"""Every Slack message the worker writes: task messages, answers, failures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.models import TaskStatus
from tasks.mrkdwn import escape

PROMPT_PREVIEW_LENGTH = 280

STATUS_LABELS = {
    TaskStatus.PENDING: "⏳ queued",
    TaskStatus.RUNNING: "✍️ running",
    TaskStatus.SUCCESS: "✅ done",
    TaskStatus.FAILURE: "❌ failed",
    TaskStatus.CANCELLED: "🚫 cancelled",
}


@dataclass(frozen=True)
class TaskCard:
    """What the task message shows; plain data, no database rows."""

    task_id: int
    status: TaskStatus
    model_name: str
    asker_user_id: str | None
    prompt: str
    duration_seconds: float | None = None
    total_tokens: int | None = None
    web_url: str | None = None


def shorten(text: str, length: int) -> str:
    """Cut a text to a length, marking the cut."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def status_label(status: TaskStatus) -> str:
    """Return a status with its emoji."""
    return STATUS_LABELS[status]


def task_card_text(card: TaskCard) -> str:
    """Return the plain text of a task message (notifications and screen readers)."""
    asker = f"<@{card.asker_user_id}>" if card.asker_user_id else "someone"
    return (
        f"Task #{card.task_id} ({status_label(card.status)}) · {card.model_name} · "
        f"asked by {asker}: {escape(shorten(card.prompt, 120))}"
    )


def build_task_blocks(card: TaskCard) -> list[dict[str, Any]]:
    """Return the Block Kit of a task message."""
    asker = f"<@{card.asker_user_id}>" if card.asker_user_id else "someone"
    blocks: list[dict[str, Any]] = [
        _section(
            f"*Task #{card.task_id}* · {status_label(card.status)}\n"
            f"*Model:* `{escape(card.model_name)}` · *Asked by:* {asker}"
        ),
        _section(_quote(shorten(card.prompt, PROMPT_PREVIEW_LENGTH))),
    ]
    context = _context_line(card)
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    blocks.append(build_task_actions(card))
    return blocks


def build_task_actions(card: TaskCard) -> dict[str, Any]:
    """Return the buttons of a task message: Cancel while it runs, Retry once it ended."""
    value = str(card.task_id)
    if card.status.finished:
        button = {"action_id": "task_retry", "text": "Retry", "value": value}
    else:
        button = {"action_id": "task_cancel", "text": "Cancel", "value": value, "style": "danger"}
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": button["action_id"],
            "text": {"type": "plain_text", "text": button["text"]},
            "value": value,
            **({"style": button["style"]} if "style" in button else {}),
        }
    ]
    if card.web_url:
        elements.append(
            {
                "type": "button",
                "action_id": "task_open_web",
                "text": {"type": "plain_text", "text": "Open on the web"},
                "url": card.web_url,
            }
        )
    return {"type": "actions", "block_id": f"task-{card.task_id}", "elements": elements}


def _context_line(card: TaskCard) -> str:
    parts = []
    if card.duration_seconds is not None:
        parts.append(f"took {card.duration_seconds:.1f} s")
    if card.total_tokens is not None:
        parts.append(f"{card.total_tokens} tokens")
    return " · ".join(parts)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _quote(text: str) -> str:
    return "\n".join(f"> {escape(line)}" for line in text.splitlines() or [""])


def failure_text(reason: str) -> str:
    """Return the thread reply that says why a task failed."""
    return f":x: **The task failed.** {reason}"


def cancelled_note() -> str:
    """Return the line added to an answer when the task was cancelled."""
    return "\n\n_🚫 Cancelled._"


WRITING_PLACEHOLDER = "_✍️ writing…_"


def dm_notice(channel_id: str) -> str:
    """Tell a person why their answer came by direct message."""
    return (
        f"I can't post in <#{channel_id}> (I'm not a member of it), so your task and its "
        "answer are in a direct message from me. Invite me with `/invite @promptdesk` "
        "to get answers in the channel."
    )
