"""What every listener gets: settings, sessions, the queue; and the one error boundary."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.parsing import redact_keys
from bot.people import ProfileRequests
from bot.replies import sorry, task_queued
from db.handoff import queue_committed_task
from db.keys import KeyBox
from db.models import Task
from db.validation import Refused
from settings import Settings
from tasks.dispatch import Dispatcher

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotContext:
    """The long-lived objects the listeners share."""

    settings: Settings
    sessions: sessionmaker[Session]
    dispatcher: Dispatcher
    keys: KeyBox
    profiles: ProfileRequests = field(default_factory=ProfileRequests)


@dataclass(frozen=True)
class CommandRequest:
    """A slash command as the handlers see it."""

    command: str
    text: str
    user_id: str
    user_name: str | None
    team_id: str
    channel_id: str
    trigger_id: str | None
    response_url: str | None
    client: WebClient | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], client: WebClient | None) -> CommandRequest:
        """Read the fields promptdesk uses from Slack's payload."""
        return cls(
            command=str(payload.get("command", "")),
            text=str(payload.get("text") or ""),
            user_id=str(payload.get("user_id", "")),
            user_name=payload.get("user_name"),
            team_id=str(payload.get("team_id") or payload.get("enterprise_id") or ""),
            channel_id=str(payload.get("channel_id", "")),
            trigger_id=payload.get("trigger_id"),
            response_url=payload.get("response_url"),
            client=client,
        )


@dataclass(frozen=True)
class Reply:
    """An ephemeral answer to a command."""

    text: str
    blocks: list[dict[str, Any]] | None = field(default=None)


Handler = Callable[[BotContext, CommandRequest], Reply]


def command_listener(ctx: BotContext, handler: Handler) -> Callable[..., None]:
    """Wrap a handler so that every outcome becomes one ephemeral ack."""

    def listener(ack: Callable[..., None], command: dict[str, Any], client: WebClient) -> None:
        request = CommandRequest.from_payload(command, client)
        try:
            reply = handler(ctx, request)
        except Refused as error:
            reply = Reply(str(error))
        except Exception:
            logger.exception("%s %r failed", request.command, redact_keys(request.text)[:200])
            reply = Reply(sorry())
        ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")

    return listener


def queue_new_task(ctx: BotContext, task: Task) -> str:
    """Queue a committed task and return the sentence that names it."""
    queued = queue_committed_task(ctx.sessions, task.id, ctx.dispatcher.run_task)
    return task_queued(task, queued)
