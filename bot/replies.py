"""Every reply the bot gives to a slash command, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from db.models import LlmModel, Task
from tasks.messages import escape, shorten, status_label

ASK_HELP = (
    "*`/ask <model> <prompt…>`* asks a registered model; the answer comes in a thread.\n"
    "Example: `/ask qwen Summarise our release notes in three bullet points`\n"
    "See the models with `/model list`."
)

MODEL_HELP = (
    "*`/model`* registers and manages the models everyone can ask.\n"
    "• `/model add <name> url=<base_url> model=<provider model id> key=<api key> "
    "[maintainer=@user] [timeout=<seconds>]` (or just `/model add` for a form)\n"
    "• `/model list` · `/model show <name>` · `/model test <name>`\n"
    "• `/model edit <name> [url=…] [model=…] [key=…] [maintainer=@user] [timeout=…]`\n"
    "• `/model remove <name>`\n"
    "Example: `/model add qwen url=https://dashscope.aliyuncs.com/compatible-mode/v1 "
    "model=qwen-plus key=sk-… maintainer=@lin`"
)

TASK_HELP = (
    "*`/task`* looks after your tasks.\n"
    "• `/task list` your recent tasks · `/task show <id>` one task\n"
    "• `/task retry <id>` ask again · `/task cancel <id>` stop it\n"
    "• `/task web` a sign-in link to the web pages (valid 10 minutes, once)"
)

SORRY = "Sorry, something went wrong on our side{where}. It has been logged; please try again."


def sorry(task_id: int | None = None) -> str:
    """Apologise for an unexpected error, naming the task when there is one."""
    return SORRY.format(where=f" with task #{task_id}" if task_id else "")


def task_queued(task: Task, queued: bool) -> str:
    """Acknowledge an /ask."""
    head = f"Task *#{task.id}* for `{escape(task.model_name)}` is "
    if queued:
        return head + "queued: the answer will appear in a thread in this channel."
    return head + (
        "saved, but the queue is out of reach right now; it will start by itself as soon "
        "as the queue is back."
    )


def already_created(task: Task) -> str:
    """Answer a repeated delivery of the same command."""
    return f"Task *#{task.id}* was already created for this request."


def unknown_model(name: str, known: Sequence[str]) -> str:
    """Say a model does not exist and list those that do."""
    if not known:
        return (
            f"There is no model `{escape(name)}`, and none is registered yet: "
            "add one with `/model add`."
        )
    names = ", ".join(f"`{n}`" for n in known)
    return f"There is no model `{escape(name)}`. Known models: {names}."


def model_line(model: LlmModel) -> str:
    """One model in a list."""
    maintainer = model.maintainer.mention() if model.maintainer else "nobody"
    return (
        f"*`{model.name}`* · {escape(model.provider_model)} at {escape(model.base_url)} · "
        f"maintained by {maintainer}"
    )


def model_details(model: LlmModel, task_count: int) -> str:
    """Everything about a model that may be shown (the key only masked)."""
    maintainer = model.maintainer.mention() if model.maintainer else "nobody"
    return (
        f"*`{model.name}`*\n"
        f"• URL: {escape(model.base_url)}\n"
        f"• Provider model: `{escape(model.provider_model)}`\n"
        f"• API key: `{model.api_key_hint}`\n"
        f"• Maintainer: {maintainer}\n"
        f"• Timeout: {model.timeout_seconds} s\n"
        f"• Tasks: {task_count}\n"
        f"• Registered {model.created_at:%Y-%m-%d %H:%M} UTC, "
        f"updated {model.updated_at:%Y-%m-%d %H:%M} UTC"
    )


def task_line(task: Task) -> str:
    """One task in a list."""
    return (
        f"*#{task.id}* {status_label(task.status)} · `{escape(task.model_name)}` · "
        f"{escape(shorten(task.prompt, 70))}"
    )


def task_details(task: Task, web_url: str) -> str:
    """A task as `/task show` tells it."""
    asker = task.creator.mention() if task.creator else "someone"
    lines = [
        f"*Task #{task.id}* · {status_label(task.status)} · `{escape(task.model_name)}` · "
        f"asked by {asker} on {task.created_at:%Y-%m-%d %H:%M} UTC",
        "> " + escape(shorten(task.prompt, 500)),
    ]
    if task.answer:
        lines.append("*Answer:* " + escape(shorten(task.answer, 1200)))
    if task.error:
        lines.append("*Error:* " + escape(task.error))
    if task.duration_seconds is not None:
        tokens = f" · {task.total_tokens} tokens" if task.total_tokens is not None else ""
        lines.append(f"Took {task.duration_seconds:.1f} s{tokens}")
    lines.append(f"<{web_url}|Open on the web>")
    return "\n".join(lines)


def sign_in_link(url: str) -> str:
    """Give a one-time sign-in link."""
    return f"<{url}|Sign in to promptdesk> — the link works once, for 10 minutes. Don't share it."
