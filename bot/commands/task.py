"""`/task list|show|retry|cancel|web`: look after one's tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from slack_bolt import App
from sqlalchemy.orm import Session

from bot import blocks, replies
from bot.context import BotContext, CommandRequest, Reply, command_listener, queue_new_task
from bot.errors import UserError
from bot.parsing import clean_text, parse_task_id, split_words
from bot.people import person_for
from db import queries, rules
from db.models import Task

SIGN_IN_LIFETIME = timedelta(minutes=10)


def register(app: App, ctx: BotContext) -> None:
    """Wire `/task`."""
    app.command("/task")(command_listener(ctx, handle_task))


def handle_task(ctx: BotContext, request: CommandRequest) -> Reply:
    """Route `/task` to its verb."""
    words = split_words(clean_text(request.text))
    if not words or words[0].lower() in ("help", "-h", "--help"):
        return Reply(replies.TASK_HELP)
    verb, args = words[0].lower(), words[1:]
    if verb in ("list", "ls", "web") and args:
        raise UserError(f"`/task {verb}` takes nothing after it.")
    if verb == "list":
        return handle_list(ctx, request)
    if verb == "web":
        return handle_web(ctx, request)
    if verb not in ("show", "retry", "cancel"):
        raise UserError(f"`/task` has no verb `{verb[:40]}`.\n{replies.TASK_HELP}")
    if len(args) != 1:
        raise UserError(f"Write it as `/task {verb} <id>`, like `/task {verb} 12`.")
    task_id = parse_task_id(args[0])
    return {"show": handle_show, "retry": handle_retry, "cancel": handle_cancel}[verb](
        ctx, request, task_id
    )


def handle_list(ctx: BotContext, request: CommandRequest) -> Reply:
    """Show my recent tasks with their status."""
    with ctx.sessions.begin() as session:
        person = person_for(session, request.user_id, request.team_id, request.user_name)
        tasks = queries.recent_tasks_of(session, person, limit=10)
        if not tasks:
            return Reply("You have no tasks yet. Ask a model with `/ask <model> <prompt>`.")
        text = "\n".join(replies.task_line(t) for t in tasks)
        return Reply(
            text, blocks=blocks.build_task_list_blocks(tasks, f"{ctx.settings.public_url}/tasks")
        )


def handle_show(ctx: BotContext, request: CommandRequest, task_id: int) -> Reply:
    """Show one task."""
    with ctx.sessions() as session:
        task = _task(session, task_id)
        return Reply(replies.task_details(task, f"{ctx.settings.public_url}/tasks/{task.id}"))


def handle_retry(ctx: BotContext, request: CommandRequest, task_id: int) -> Reply:
    """Ask the same model the same prompt again, as a new task."""
    task = start_retry(
        ctx,
        Asker(request.user_id, request.team_id, request.user_name),
        task_id,
        channel_id=request.channel_id,
        request_key=request.trigger_id,
        response_url=request.response_url,
    )
    return Reply(f"Retrying #{task_id}: {queue_new_task(ctx, task)}")


@dataclass(frozen=True)
class Asker:
    """The Slack user behind a command or a button."""

    user_id: str
    team_id: str
    name: str | None


def start_retry(
    ctx: BotContext,
    asker: Asker,
    task_id: int,
    channel_id: str | None,
    request_key: str | None,
    response_url: str | None,
) -> Task:
    """Create the new task of a retry, after the permission check."""
    with ctx.sessions.begin() as session:
        original = _task(session, task_id)
        person = person_for(session, asker.user_id, asker.team_id, asker.name)
        return rules.retry_task(
            session,
            original,
            person,
            ctx.settings.admin_slack_user_ids,
            channel_id=channel_id or original.slack_channel_id,
            team_id=asker.team_id,
            request_key=request_key,
            response_url=response_url,
        )


def handle_cancel(ctx: BotContext, request: CommandRequest, task_id: int) -> Reply:
    """Stop a task that has not ended."""
    return Reply(cancel(ctx, Asker(request.user_id, request.team_id, request.user_name), task_id))


def cancel(ctx: BotContext, asker: Asker, task_id: int) -> str:
    """Cancel a task if allowed and not ended; say what happened."""
    with ctx.sessions.begin() as session:
        task = _task(session, task_id)
        person = person_for(session, asker.user_id, asker.team_id, asker.name)
        return rules.cancel_task(session, task, person, ctx.settings.admin_slack_user_ids)


def handle_web(ctx: BotContext, request: CommandRequest) -> Reply:
    """Give a one-time sign-in link to the web pages."""
    with ctx.sessions.begin() as session:
        person = person_for(session, request.user_id, request.team_id, request.user_name)
        token = queries.create_sign_in_token(session, person, SIGN_IN_LIFETIME)
    return Reply(replies.sign_in_link(f"{ctx.settings.public_url}/signin/{token}"))


def _task(session: Session, task_id: int) -> Task:
    task = queries.get_task(session, task_id)
    if task is None:
        raise UserError(f"There is no task #{task_id}. See yours with `/task list`.")
    return task
