"""Slash-command listeners, one module per command."""

from __future__ import annotations

from slack_bolt import App

from bot.commands import ask, model, task
from bot.context import BotContext


def register(app: App, ctx: BotContext) -> None:
    """Wire every slash command."""
    ask.register(app, ctx)
    model.register(app, ctx)
    task.register(app, ctx)
