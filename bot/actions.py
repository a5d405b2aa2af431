"""Buttons on task messages, and the model form: validate, write, enqueue, ack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import replies
from bot.blocks import MODEL_MODAL_CALLBACK, build_model_modal
from bot.commands.task import Asker, cancel, start_retry
from bot.context import BotContext, queue_new_task
from bot.models_service import model_input
from bot.parsing import Mention
from bot.people import person_for
from db.models import LlmModel
from db.rules import check_can_change_model
from db.validation import InvalidField, Refused, add_model, edit_model

logger = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    """Wire the buttons and the modal."""
    app.action("task_cancel")(_button(ctx, handle_cancel_button))
    app.action("task_retry")(_button(ctx, handle_retry_button))
    app.action("task_open_web")(lambda ack: ack())
    app.action("model_add")(lambda ack, body, client: open_model_modal(ctx, ack, body, client))
    app.action("model_edit")(
        lambda ack, body, action, client: open_model_modal(ctx, ack, body, client, action)
    )
    app.view(MODEL_MODAL_CALLBACK)(
        lambda ack, body, view: handle_model_submission(ctx, ack, body, view)
    )


ButtonHandler = Callable[[BotContext, dict[str, Any], int], str]


def _button(ctx: BotContext, handler: ButtonHandler) -> Callable[..., None]:
    def listener(ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        reply_to = _reply_to(body)
        try:
            text = handler(ctx, body, int(action.get("value", "0")))
        except Refused as error:
            text = str(error)
        except ValueError:
            text = "That button is out of date."
        except Exception:
            logger.exception("button %s failed", action.get("action_id"))
            text = replies.sorry()
        ctx.dispatcher.notify(reply_to, text)

    return listener


def _reply_to(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "response_url": body.get("response_url"),
        "channel_id": (body.get("channel") or {}).get("id"),
        "user_id": (body.get("user") or {}).get("id"),
    }


def _who(body: dict[str, Any]) -> Asker:
    user = body.get("user") or {}
    team = user.get("team_id") or (body.get("team") or {}).get("id") or ""
    return Asker(user.get("id", ""), team, user.get("username") or user.get("name"))


def handle_cancel_button(ctx: BotContext, body: dict[str, Any], task_id: int) -> str:
    """Cancel the task of the message the button is on."""
    return cancel(ctx, _who(body), task_id)


def handle_retry_button(ctx: BotContext, body: dict[str, Any], task_id: int) -> str:
    """Start a new task with the same prompt and model."""
    channel = (body.get("channel") or {}).get("id")
    task = start_retry(
        ctx, _who(body), task_id, channel, body.get("trigger_id"), body.get("response_url")
    )
    return f"Retrying #{task_id}: {queue_new_task(ctx, task)}"


def open_model_modal(
    ctx: BotContext,
    ack: Callable[..., None],
    body: dict[str, Any],
    client: WebClient,
    action: dict[str, Any] | None = None,
) -> None:
    """Open the model form: empty to register, filled in to edit (if allowed)."""
    ack()
    asker = _who(body)
    model: LlmModel | None = None
    try:
        with ctx.sessions.begin() as session:
            if action is not None:
                model = session.get(LlmModel, int(action.get("value") or 0))
                if model is None:
                    raise Refused("That model was removed meanwhile.")
                person = person_for(session, asker.user_id, asker.team_id, asker.name)
                check_can_change_model(model, person, ctx.settings.admin_slack_user_ids)
            view = build_model_modal(model)
    except Refused as error:
        ctx.dispatcher.notify(_reply_to(body), str(error))
        return
    # views.open must happen within 3 s of the click (the trigger_id expires), so it
    # cannot be queued; it is one quick call.
    client.views_open(trigger_id=body.get("trigger_id"), view=view)


def handle_model_submission(
    ctx: BotContext, ack: Callable[..., None], body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Register or edit a model from the form; show errors next to their fields."""
    asker = _who(body)
    model_id = view.get("private_metadata") or ""
    try:
        with ctx.sessions.begin() as session:
            person = person_for(session, asker.user_id, asker.team_id, asker.name)
            fields = model_input(session, asker.team_id, **form_values(view))
            allow_private = ctx.settings.allow_private_model_urls
            if model_id:
                model = session.get(LlmModel, int(model_id))
                if model is None:
                    raise InvalidField("name", "This model was removed meanwhile.")
                check_can_change_model(model, person, ctx.settings.admin_slack_user_ids)
                edit_model(session, model, fields, ctx.keys, allow_private)
            else:
                model = add_model(session, fields, ctx.keys, allow_private, person)
            text = f"Saved model `{model.name}`; its key is stored as `{model.api_key_hint}`."
    except InvalidField as error:
        ack(response_action="errors", errors={error.field: _plain(str(error))})
        return
    except Refused as error:
        ack(response_action="errors", errors={"name": _plain(str(error))})
        return
    ack()
    ctx.dispatcher.notify({"user_id": asker.user_id}, text)


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """Read the form's values (empty ones are None)."""
    values = (view.get("state") or {}).get("values") or {}

    def text(block: str) -> str | None:
        value = ((values.get(block) or {}).get("value") or {}).get("value")
        return value.strip() if isinstance(value, str) and value.strip() else None

    maintainer = ((values.get("maintainer") or {}).get("value") or {}).get("selected_user")
    return {
        "name": text("name"),
        "url": text("url"),
        "model": text("model"),
        "key": text("key"),
        "timeout": text("timeout"),
        "maintainer": Mention(maintainer, None) if maintainer else None,
    }


def _plain(text: str) -> str:
    return text.replace("`", "")[:150]
