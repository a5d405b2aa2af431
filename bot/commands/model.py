"""`/model add|list|show|edit|remove|test`: register and look after models."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy import func, select

from bot import blocks, replies
from bot.context import BotContext, CommandRequest, Reply, command_listener
from bot.errors import UserError
from bot.models_service import input_from_options
from bot.parsing import clean_text, parse_options, split_words
from bot.people import person_for
from db import queries
from db.models import LlmModel, Task
from db.rules import check_can_change_model
from db.validation import add_model, edit_model

ADD_OPTIONS = ("url", "model", "key", "maintainer", "timeout")
EDIT_OPTIONS = ("name", "url", "model", "key", "maintainer", "timeout")


def register(app: App, ctx: BotContext) -> None:
    """Wire `/model`."""
    app.command("/model")(command_listener(ctx, handle_model))


def handle_model(ctx: BotContext, request: CommandRequest) -> Reply:
    """Route `/model` to its verb."""
    words = split_words(clean_text(request.text))
    if not words or words[0].lower() in ("help", "-h", "--help"):
        return Reply(replies.MODEL_HELP)
    verb, args = words[0].lower(), words[1:]
    handler = VERBS.get(verb)
    if handler is None:
        raise UserError(f"`/model` has no verb `{verb[:40]}`.\n{replies.MODEL_HELP}")
    return handler(ctx, request, args)


def handle_add(ctx: BotContext, request: CommandRequest, args: list[str]) -> Reply:
    """Register a model, or open the form when no field is given."""
    if not args:
        return open_add_modal(ctx, request)
    if "=" in args[0]:
        raise UserError("Start with the model's name: `/model add <name> url=… model=… key=…`.")
    options = parse_options(args[1:], ADD_OPTIONS, "`/model add`")
    with ctx.sessions.begin() as session:
        person = person_for(session, request.user_id, request.team_id, request.user_name)
        fields = input_from_options(session, request.team_id, args[0], options)
        model = add_model(session, fields, ctx.keys, ctx.settings.allow_private_model_urls, person)
        maintainer = model.maintainer
        refresh = [
            p.id for p in {person, maintainer} if p is not None and ctx.profiles.should_refresh(p)
        ]
        text = (
            f"Registered `{model.name}` ({model.provider_model} at {model.base_url}), "
            f"key `{model.api_key_hint}`, maintained by "
            f"{maintainer.mention() if maintainer else 'nobody'}. "
            f"Ask it with `/ask {model.name} …`, or check it with `/model test {model.name}`."
        )
    for person_id in refresh:
        ctx.dispatcher.refresh_person(person_id)
    return Reply(text)


def open_add_modal(ctx: BotContext, request: CommandRequest) -> Reply:
    """Open the registration form."""
    if request.client is None or not request.trigger_id:
        raise UserError(replies.MODEL_HELP)
    request.client.views_open(trigger_id=request.trigger_id, view=blocks.build_model_modal())
    return Reply("Opening the form to register a model…")


def handle_list(ctx: BotContext, request: CommandRequest, args: list[str]) -> Reply:
    """List the registered models."""
    with ctx.sessions() as session:
        models = queries.list_models(session)
        if not models:
            return Reply("No model is registered yet. Add one with `/model add`.")
        return Reply(
            f"{len(models)} model(s) registered.", blocks=blocks.build_model_list_blocks(models)
        )


def handle_show(ctx: BotContext, request: CommandRequest, args: list[str]) -> Reply:
    """Show one model (its key masked)."""
    name = _one_name(args, "show")
    with ctx.sessions() as session:
        model = _model(session, name)
        count = session.scalar(
            select(func.count()).select_from(Task).where(Task.model_id == model.id)
        )
        return Reply(replies.model_details(model, count or 0))


def handle_edit(ctx: BotContext, request: CommandRequest, args: list[str]) -> Reply:
    """Change a model's fields; only its maintainer or an admin may."""
    if not args:
        raise UserError(
            "Which model? `/model edit <name> [url=…] [model=…] [key=…] [maintainer=@user]`"
        )
    options = parse_options(args[1:], EDIT_OPTIONS, "`/model edit`")
    if not options:
        raise UserError(
            "Nothing to change: add `url=…`, `model=…`, `key=…`, `maintainer=@user` or `timeout=…`."
        )
    with ctx.sessions.begin() as session:
        model = _model(session, args[0])
        person = person_for(session, request.user_id, request.team_id, request.user_name)
        check_can_change_model(model, person, ctx.settings.admin_slack_user_ids)
        fields = input_from_options(session, request.team_id, None, options)
        changed = edit_model(
            session, model, fields, ctx.keys, ctx.settings.allow_private_model_urls
        )
        return Reply(f"Updated `{model.name}`: {', '.join(changed)}.")


def handle_remove(ctx: BotContext, request: CommandRequest, args: list[str]) -> Reply:
    """Remove a model; its tasks stay, with the model's name."""
    name = _one_name(args, "remove")
    with ctx.sessions.begin() as session:
        model = _model(session, name)
        person = person_for(session, request.user_id, request.team_id, request.user_name)
        check_can_change_model(model, person, ctx.settings.admin_slack_user_ids)
        session.delete(model)
        return Reply(f"Removed `{model.name}`. Its tasks are kept, under its name.")


def handle_test(ctx: BotContext, request: CommandRequest, args: list[str]) -> Reply:
    """Queue a real call to the model's endpoint; the worker reports back."""
    name = _one_name(args, "test")
    with ctx.sessions() as session:
        model = _model(session, name)
        model_id, model_name = model.id, model.name
    reply_to = {
        "response_url": request.response_url,
        "channel_id": request.channel_id,
        "user_id": request.user_id,
    }
    if not ctx.dispatcher.test_model(model_id, reply_to):
        raise UserError("The queue is out of reach right now, so I can't test it; try again soon.")
    return Reply(f"Testing `{model_name}` with a real call… I'll tell you here how it went.")


def _one_name(args: list[str], verb: str) -> str:
    if len(args) != 1:
        raise UserError(f"Write it as `/model {verb} <name>`, with one model name.")
    return args[0]


def _model(session: object, name: str) -> LlmModel:
    model = queries.find_model(session, name)  # type: ignore[arg-type]
    if model is None:
        known = queries.model_names(session)  # type: ignore[arg-type]
        raise UserError(replies.unknown_model(name, known))
    return model


VERBS = {
    "add": handle_add,
    "list": handle_list,
    "ls": handle_list,
    "show": handle_show,
    "edit": handle_edit,
    "remove": handle_remove,
    "rm": handle_remove,
    "delete": handle_remove,
    "test": handle_test,
}
