"""`/ask <model> <prompt…>`: create a task and queue it."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.exc import IntegrityError

from bot import replies
from bot.context import BotContext, CommandRequest, Reply, command_listener, queue_new_task
from bot.errors import UserError
from bot.parsing import clean_text
from bot.people import person_for
from db import queries
from db.models import Task

MAX_PROMPT_CHARACTERS = 32_000


def register(app: App, ctx: BotContext) -> None:
    """Wire `/ask`."""
    app.command("/ask")(command_listener(ctx, handle_ask))


def parse_ask(text: str) -> tuple[str, str]:
    """Split `/ask` text into a model name and a prompt."""
    text = clean_text(text).strip()
    if not text or text.lower() in ("help", "-h", "--help"):
        raise UserError(replies.ASK_HELP)
    name, _, prompt = text.partition(" ")
    name, prompt = name.strip(), prompt.strip()
    if "\n" in name:
        name, _, rest = name.partition("\n")
        prompt = (rest + " " + prompt).strip()
    if not prompt:
        raise UserError(
            f"What should I ask `{name}`? Write it after the model's name.\n{replies.ASK_HELP}"
        )
    if len(prompt) > MAX_PROMPT_CHARACTERS:
        raise UserError(
            f"That prompt is {len(prompt):,} characters long; the limit is "
            f"{MAX_PROMPT_CHARACTERS:,}. Shorten it, or split it into several tasks."
        )
    return name, prompt


def handle_ask(ctx: BotContext, request: CommandRequest) -> Reply:
    """Create a task for the prompt, queue it after commit, and name it."""
    name, prompt = parse_ask(request.text)
    try:
        task, person_id, refresh, new = create_ask_task(ctx, request, name, prompt)
    except IntegrityError:
        # The same request arrived twice at once; the other delivery created the task.
        task, new = existing_task(ctx, request), False
        person_id, refresh = 0, False
    if not new:
        return Reply(replies.already_created(task))
    reply = queue_new_task(ctx, task)
    if refresh:
        ctx.dispatcher.refresh_person(person_id)
    return Reply(reply)


def create_ask_task(
    ctx: BotContext, request: CommandRequest, name: str, prompt: str
) -> tuple[Task, int, bool, bool]:
    """Write the task (or find the one this very request made) and commit."""
    with ctx.sessions.begin() as session:
        if request.trigger_id:
            earlier = queries.find_task_by_request_key(session, request.trigger_id)
            if earlier is not None:
                return earlier, 0, False, False
        person = person_for(session, request.user_id, request.team_id, request.user_name)
        model = queries.find_model(session, name)
        if model is None:
            raise UserError(replies.unknown_model(name, queries.model_names(session)))
        task = queries.create_task(
            session,
            person,
            model,
            prompt,
            channel_id=request.channel_id or None,
            team_id=request.team_id,
            request_key=request.trigger_id,
            response_url=request.response_url,
        )
        return task, person.id, ctx.profiles.should_refresh(person), True


def existing_task(ctx: BotContext, request: CommandRequest) -> Task:
    """Return the task an earlier delivery of this request created."""
    with ctx.sessions() as session:
        task = queries.find_task_by_request_key(session, request.trigger_id or "")
        if task is None:
            raise UserError(replies.sorry())
        return task
