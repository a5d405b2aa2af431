"""Buttons on task messages, and the model form: validate, write, enqueue, ack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot import replies
from bot.blocks import MODEL_MODAL_CALLBACK
from bot.commands.task import cancel, retry_task
from bot.context import BotContext
from bot.errors import UserError
from bot.models_service import FieldError, ModelFields, add_model, check_can_change, edit_model
from bot.parsing import Mention
from bot.people import person_for
from db.models import LlmModel

logger = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    """Wire the buttons and the modal."""
    app.action("task_cancel")(_button(ctx, handle_cancel_button))
    app.action("task_retry")(_button(ctx, handle_retry_button))
    app.action("task_open_web")(lambda ack: ack())
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
        except (UserError, ValueError) as error:
            text = str(error) if isinstance(error, UserError) else "That button is out of date."
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


def _who(body: dict[str, Any]) -> tuple[str, str, str | None]:
    user = body.get("user") or {}
    team = user.get("team_id") or (body.get("team") or {}).get("id") or ""
    return user.get("id", ""), team, user.get("username") or user.get("name")


def handle_cancel_button(ctx: BotContext, body: dict[str, Any], task_id: int) -> str:
    """Cancel the task of the message the button is on."""
    user_id, team_id, name = _who(body)
    return cancel(ctx, user_id, team_id, name, task_id)


def handle_retry_button(ctx: BotContext, body: dict[str, Any], task_id: int) -> str:
    """Start a new task with the same prompt and model."""
    user_id, team_id, name = _who(body)
    channel = (body.get("channel") or {}).get("id")
    task = retry_task(
        ctx,
        user_id,
        team_id,
        name,
        channel,
        task_id,
        body.get("trigger_id"),
        body.get("response_url"),
    )
    queued = ctx.dispatcher.run_task(task.id)
    return f"Retrying #{task_id}: " + replies.task_queued(task, queued)


def handle_model_submission(
    ctx: BotContext, ack: Callable[..., None], body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Register or edit a model from the form; show errors next to their fields."""
    fields = fields_from_view(view)
    user_id, team_id, name = _who(body)
    model_id = view.get("private_metadata") or ""
    try:
        with ctx.sessions.begin() as session:
            person = person_for(session, user_id, team_id, name)
            if model_id:
                model = session.get(LlmModel, int(model_id))
                if model is None:
                    raise FieldError("name", "This model was removed meanwhile.")
                check_can_change(model, person, ctx.settings)
                edit_model(session, ctx.settings, ctx.keys, model, fields, team_id)
            else:
                model = add_model(session, ctx.settings, ctx.keys, fields, person, team_id)
            text = f"Saved model `{model.name}`; its key is stored as `{model.api_key_hint}`."
    except FieldError as error:
        ack(response_action="errors", errors={error.field: _plain(str(error))})
        return
    except UserError as error:
        ack(response_action="errors", errors={"name": _plain(str(error))})
        return
    ack()
    ctx.dispatcher.notify({"user_id": user_id}, text)


def fields_from_view(view: dict[str, Any]) -> ModelFields:
    """Read the form's values (empty ones are None)."""
    values = (view.get("state") or {}).get("values") or {}

    def text(block: str) -> str | None:
        value = ((values.get(block) or {}).get("value") or {}).get("value")
        return value.strip() if isinstance(value, str) and value.strip() else None

    maintainer = ((values.get("maintainer") or {}).get("value") or {}).get("selected_user")
    return ModelFields(
        name=text("name"),
        url=text("url"),
        model=text("model"),
        key=text("key"),
        maintainer=Mention(maintainer, None) if maintainer else None,
    )


def _plain(text: str) -> str:
    return text.replace("`", "")[:150]
