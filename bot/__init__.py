"""The Slack side: a Bolt app whose listeners validate, write, enqueue and ack."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import actions, commands, home
from bot.context import BotContext
from db.keys import KeyBox
from settings import Settings
from tasks.dispatch import Dispatcher


def make_bolt_app(
    settings: Settings, sessions: sessionmaker[Session], dispatcher: Dispatcher
) -> App:
    """Build the Bolt app with every listener wired; it reads nothing from the environment."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = App(
        signing_secret=settings.slack_signing_secret or "",
        client=client,
        # Listeners are quick (a few rows and a publish); answering after them lets the
        # ack carry the reply and keeps every handler's work inside the request.
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=True,
        logger=logging.getLogger("promptdesk.bolt"),
    )
    ctx = BotContext(
        settings=settings,
        sessions=sessions,
        dispatcher=dispatcher,
        keys=KeyBox(settings.secret_key, settings.secret_key_fallbacks),
    )
    commands.register(app, ctx)
    actions.register(app, ctx)
    home.register(app, ctx)
    return app
