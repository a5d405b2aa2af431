"""The App Home tab: a person's recent tasks and the registered models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import queries
from db.models import LlmModel, Task
from tasks.messages import escape, shorten, status_label
from tasks.runtime import Runtime

Block = dict[str, Any]


def publish_home(runtime: Runtime, user_id: str, team_id: str) -> None:
    """Build and publish someone's App Home."""
    with runtime.sessions() as session:
        person = queries.find_person(session, user_id, team_id)
        tasks = queries.recent_tasks_of(session, person, limit=10) if person else []
        view = build_home_view(tasks, queries.list_models(session), runtime.settings.public_url)
    runtime.slack.views_publish(user_id=user_id, view=view)


def build_home_view(tasks: Sequence[Task], models: Sequence[LlmModel], web_url: str) -> Block:
    """Return the Home tab view."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "promptdesk"}},
        {
            "type": "actions",
            "elements": [
                _button("Register a model", "model_add", style="primary"),
                _button("Sign in to the web console", "home_sign_in"),
                {
                    "type": "button",
                    "action_id": "home_open_web",
                    "text": {"type": "plain_text", "text": "Open the web console"},
                    "url": f"{web_url}/tasks",
                },
            ],
        },
        _section("*Your recent tasks*"),
        *(_task_row(t) for t in tasks),
    ]
    if not tasks:
        blocks.append(_context("No tasks yet. Ask a model with `/ask <model> <prompt>`."))
    blocks += [{"type": "divider"}, _section(f"*Registered models* ({len(models)})")]
    blocks += [_model_row(m) for m in models[:40]]
    if not models:
        blocks.append(_context("No model yet: register one with the button above."))
    return {"type": "home", "blocks": blocks}


def _task_row(task: Task) -> Block:
    took = f" · {task.duration_seconds:.1f} s" if task.duration_seconds is not None else ""
    return _context(
        f"*#{task.id}* {status_label(task.status)} · `{escape(task.model_name)}`{took} · "
        f"{escape(shorten(task.prompt, 100))}"
    )


def _model_row(model: LlmModel) -> Block:
    maintainer = model.maintainer.mention() if model.maintainer else "nobody"
    block = _section(
        f"*`{escape(model.name)}`* · {escape(model.provider_model)} · maintained by {maintainer}"
    )
    block["accessory"] = _button("Edit", "model_edit", value=str(model.id))
    return block


def _button(text: str, action_id: str, value: str | None = None, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
    }
    if value is not None:
        button["value"] = value
    if style is not None:
        button["style"] = style
    return button


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
