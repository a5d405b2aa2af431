"""`/task list|show|retry|cancel|web`: look after one's tasks."""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import App
from sqlalchemy.orm import Session

from bot import blocks, replies
from bot.context import BotContext, CommandRequest, Reply, command_listener
from bot.errors import UserError
from bot.parsing import clean_text, parse_task_id, split_words
from bot.people import is_admin, person_for
from db import queries
from db.models import Person, Task, TaskStatus, utcnow

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
    task = retry_task(
        ctx,
        request.user_id,
        request.team_id,
        request.user_name,
        request.channel_id,
        task_id,
        request.trigger_id,
        request.response_url,
    )
    queued = ctx.dispatcher.run_task(task.id)
    if not queued:
        with ctx.sessions.begin() as session:
            queries.update_task(session, task.id, dispatched_at=None)
    return Reply(
        f"Retrying #{task_id} as "
        + replies.task_queued(task, queued)[0].lower()
        + replies.task_queued(task, queued)[1:]
    )


def retry_task(
    ctx: BotContext,
    user_id: str,
    team_id: str,
    user_name: str | None,
    channel_id: str | None,
    task_id: int,
    request_key: str | None,
    response_url: str | None,
) -> Task:
    """Create the new task of a retry, after the permission check."""
    with ctx.sessions.begin() as session:
        original = _task(session, task_id)
        person = person_for(session, user_id, team_id, user_name)
        _check_owner(original, person, ctx, "retry")
        if original.model is None:
            raise UserError(
                f"Task #{task_id}'s model `{original.model_name}` was removed; "
                "ask another with `/ask`."
            )
        if request_key and queries.find_task_by_request_key(session, request_key):
            raise UserError("That retry was already started.")
        task = queries.create_task(
            session,
            person,
            original.model,
            original.prompt,
            channel_id=channel_id or original.slack_channel_id,
            team_id=team_id,
            request_key=request_key,
            response_url=response_url,
            retry_of=original,
            name=original.name,
        )
        task.dispatched_at = utcnow()
        return task


def handle_cancel(ctx: BotContext, request: CommandRequest, task_id: int) -> Reply:
    """Stop a task that has not ended."""
    return Reply(cancel(ctx, request.user_id, request.team_id, request.user_name, task_id))


def cancel(ctx: BotContext, user_id: str, team_id: str, user_name: str | None, task_id: int) -> str:
    """Cancel a task if allowed and not ended; say what happened."""
    with ctx.sessions.begin() as session:
        task = _task(session, task_id)
        person = person_for(session, user_id, team_id, user_name)
        _check_owner(task, person, ctx, "cancel")
        if task.status.finished:
            return (
                f"Task #{task_id} already ended ({task.status.value.lower()}); nothing to cancel."
            )
        was_running = task.status is TaskStatus.RUNNING
        queries.cancel_task(session, task_id)
    if was_running:
        return f"Task #{task_id} is cancelled; the worker stops it within a few seconds."
    return f"Task #{task_id} is cancelled before it started."


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


def _check_owner(task: Task, person: Person, ctx: BotContext, verb: str) -> None:
    if task.creator_id == person.id or is_admin(person, ctx.settings):
        return
    raise UserError(f"Only the person who asked task #{task.id}, or an admin, can {verb} it.")
