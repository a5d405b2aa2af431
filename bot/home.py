"""The App Home tab: refreshed by a worker whenever someone opens it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.commands.task import SIGN_IN_LIFETIME
from bot.context import BotContext
from bot.people import person_for
from bot.replies import sign_in_link
from db import queries


def register(app: App, ctx: BotContext) -> None:
    """Wire the Home tab and its buttons."""
    app.event("app_home_opened")(lambda event, body: handle_home_opened(ctx, event, body))
    app.action("home_sign_in")(lambda ack, body: handle_home_sign_in(ctx, ack, body))
    app.action("home_open_web")(lambda ack: ack())


def handle_home_opened(ctx: BotContext, event: dict[str, Any], body: dict[str, Any]) -> None:
    """Queue a fresh Home tab for the person who opened it."""
    if event.get("tab", "home") != "home":
        return
    user_id, team_id = str(event.get("user", "")), str(body.get("team_id", ""))
    with ctx.sessions.begin() as session:
        person = person_for(session, user_id, team_id, None)
        refresh = ctx.profiles.should_refresh(person)
        person_id = person.id
    ctx.dispatcher.publish_home(user_id, team_id)
    if refresh:
        ctx.dispatcher.refresh_person(person_id)


def handle_home_sign_in(ctx: BotContext, ack: Callable[..., None], body: dict[str, Any]) -> None:
    """Send a one-time sign-in link by direct message."""
    ack()
    user = body.get("user") or {}
    user_id = str(user.get("id", ""))
    team_id = str(user.get("team_id") or (body.get("team") or {}).get("id") or "")
    with ctx.sessions.begin() as session:
        person = person_for(session, user_id, team_id, user.get("username"))
        token = queries.create_sign_in_token(session, person, SIGN_IN_LIFETIME)
    link = sign_in_link(f"{ctx.settings.public_url}/signin/{token}")
    ctx.dispatcher.notify({"user_id": user_id}, link)
