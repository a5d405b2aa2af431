"""Block Kit builders for the bot's replies and forms; no I/O here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db.models import LlmModel, Task
from tasks.messages import escape, shorten, status_label

MODEL_MODAL_CALLBACK = "model_modal"
Block = dict[str, Any]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _input(
    block_id: str,
    label: str,
    placeholder: str,
    initial: str | None = None,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "placeholder": {"type": "plain_text", "text": placeholder},
    }
    if initial:
        element["initial_value"] = initial
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def build_model_modal(model: LlmModel | None = None) -> Block:
    """Return the form that registers a model, or edits one when given."""
    maintainer: Block = {
        "type": "input",
        "block_id": "maintainer",
        "optional": True,
        "label": {"type": "plain_text", "text": "Maintainer"},
        "element": {"type": "users_select", "action_id": "value"},
        "hint": {"type": "plain_text", "text": "Defaults to you."},
    }
    if model is not None and model.maintainer is not None:
        maintainer["element"]["initial_user"] = model.maintainer.slack_user_id
    editing = model is not None
    return {
        "type": "modal",
        "callback_id": MODEL_MODAL_CALLBACK,
        "private_metadata": str(model.id) if model else "",
        "title": {"type": "plain_text", "text": "Edit model" if editing else "Register a model"},
        "submit": {"type": "plain_text", "text": "Save" if editing else "Register"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(
                "name",
                "Name",
                "qwen",
                model.name if model else None,
                hint="Short name people type after /ask.",
            ),
            _input(
                "url",
                "Base URL",
                "https://dashscope.aliyuncs.com/compatible-mode/v1",
                model.base_url if model else None,
            ),
            _input(
                "model", "Provider model id", "qwen-plus", model.provider_model if model else None
            ),
            _input(
                "key",
                "API key",
                "sk-…",
                optional=editing,
                hint="Stored encrypted and never shown again."
                + (" Leave empty to keep the current key." if editing else ""),
            ),
            maintainer,
        ],
    }


def build_model_list_blocks(models: Sequence[LlmModel]) -> list[Block]:
    """Return the models as a readable list, each with an Edit button."""
    rows: list[Block] = [_section(f"*Registered models* ({len(models)})"), {"type": "divider"}]
    for model in models[:45]:
        maintainer = model.maintainer.mention() if model.maintainer else "nobody"
        row = _section(
            f"*`{escape(model.name)}`* · {escape(model.provider_model)}\n"
            f"{escape(model.base_url)} · key `{model.api_key_hint}` · "
            f"maintained by {maintainer}"
        )
        row["accessory"] = {
            "type": "button",
            "action_id": "model_edit",
            "value": str(model.id),
            "text": {"type": "plain_text", "text": "Edit"},
        }
        rows.append(row)
    if len(models) > 45:
        rows.append(_section(f"…and {len(models) - 45} more on the web console."))
    return rows


def build_task_list_blocks(tasks: Sequence[Task], web_url: str) -> list[Block]:
    """Return someone's recent tasks as a readable list."""
    rows: list[Block] = [_section(f"*Your recent tasks* · <{web_url}|all tasks on the web>")]
    for task in tasks:
        took = f" · {task.duration_seconds:.1f} s" if task.duration_seconds is not None else ""
        rows.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"*#{task.id}* {status_label(task.status)} · "
                        f"`{escape(task.model_name)}` · {task.created_at:%Y-%m-%d %H:%M}{took}\n"
                        f"{escape(shorten(task.prompt, 140))}",
                    }
                ],
            }
        )
    return rows
