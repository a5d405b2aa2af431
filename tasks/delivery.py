"""Slack delivery of a task: its message in the channel and the answer in its thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tasks.messages import TaskCard, build_task_blocks, dm_notice, task_card_text
from tasks.mrkdwn import to_mrkdwn
from tasks.splitting import split_message

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 3900
UNREACHABLE_CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)

SaveFields = Callable[..., None]
METADATA_EVENT = "promptdesk_task"
CARD_PART = -1
HISTORY_PAGE = 200


class ChannelUnreachable(Exception):
    """The bot cannot post in the channel where the task was asked."""


class TaskThread:
    """The task message and the answer replies under it, posted once and then edited."""

    def __init__(
        self,
        slack: WebClient,
        channel: str,
        message_ts: str | None,
        answer_ts: list[str],
        save: SaveFields,
        task_id: int,
        recover: bool = False,
    ) -> None:
        self.slack = slack
        self.channel = channel
        self.message_ts = message_ts
        self.answer_ts = list(answer_ts)
        self.task_id = task_id
        self._save = save
        self._shown: dict[str, str] = {}
        # A re-run after a crash looks in Slack for what the last run posted but never
        # got to record, so that nothing is posted twice.
        self._recover_card = recover and message_ts is None
        self._recover_answer = recover
        # At the end of a task the reply ts is recorded with the end itself, one write
        # fewer; a crash in between is covered by the metadata look-up of a re-run.
        self.defer_reply_saves = False

    def _metadata(self, part: int) -> dict[str, Any]:
        return {
            "event_type": METADATA_EVENT,
            "event_payload": {"task_id": self.task_id, "part": part},
        }

    def show_card(self, card: TaskCard) -> None:
        """Post the task message the first time, edit it afterwards."""
        text, blocks = task_card_text(card), build_task_blocks(card)
        if self._recover_card:
            self._recover_card = False
            self.message_ts = self._find_posted_card()
            if self.message_ts is not None:
                self._save(slack_answer_channel_id=self.channel, slack_message_ts=self.message_ts)
        if self.message_ts is None:
            response = self._call(
                "chat_postMessage",
                channel=self.channel,
                text=text,
                blocks=blocks,
                metadata=self._metadata(CARD_PART),
            )
            self.message_ts = response["ts"]
            # Saved at once: a re-run after a crash must find it and never post a second one.
            self._save(slack_answer_channel_id=self.channel, slack_message_ts=self.message_ts)
        else:
            self._call(
                "chat_update", channel=self.channel, ts=self.message_ts, text=text, blocks=blocks
            )

    def show_answer(self, markdown: str) -> None:
        """Make the thread show an answer: edit the replies that changed, post new ones."""
        parts = split_message(to_mrkdwn(markdown), MESSAGE_LIMIT) or ["…"]
        if self._recover_answer:
            self._recover_answer = False
            self._find_posted_replies()
        for index, part in enumerate(parts):
            if index < len(self.answer_ts):
                self._edit_reply(self.answer_ts[index], part)
            else:
                self._post_reply(part)
        for stale_ts in self.answer_ts[len(parts) :]:
            # A re-run can write a shorter answer than the run before it did.
            self._edit_reply(stale_ts, "_(continued above)_")

    def _post_reply(self, text: str) -> None:
        response = self._call(
            "chat_postMessage",
            channel=self.channel,
            thread_ts=self.message_ts,
            text=text,
            unfurl_links=False,
            unfurl_media=False,
            metadata=self._metadata(len(self.answer_ts)),
        )
        self.answer_ts.append(response["ts"])
        self._shown[response["ts"]] = text
        if not self.defer_reply_saves:
            self._save(slack_answer_ts=",".join(self.answer_ts))

    def _edit_reply(self, ts: str, text: str) -> None:
        if self._shown.get(ts) == text:
            return
        self._call("chat_update", channel=self.channel, ts=ts, text=text)
        self._shown[ts] = text

    def _find_posted_card(self) -> str | None:
        """Return the ts of this task's message if an earlier run posted it."""
        messages = self._history("conversations_history", channel=self.channel, limit=HISTORY_PAGE)
        for message in messages:
            if self._part_of(message) == CARD_PART:
                return str(message["ts"])
        return None

    def _find_posted_replies(self) -> None:
        """Adopt the answer replies an earlier run posted but did not record."""
        if self.message_ts is None:
            return
        replies = self._history(
            "conversations_replies", channel=self.channel, ts=self.message_ts, limit=HISTORY_PAGE
        )
        found = {
            part: str(m["ts"])
            for m in replies
            if (part := self._part_of(m)) is not None and part >= 0
        }
        for index in range(len(self.answer_ts), len(found)):
            if index not in found:
                break
            self.answer_ts.append(found[index])
        self._save(slack_answer_ts=",".join(self.answer_ts) or None)

    def _history(self, method: str, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            response = getattr(self.slack, method)(include_all_metadata=True, **kwargs)
        except SlackApiError as error:
            # Without the history scopes there is nothing to look at: post as usual.
            logger.warning(
                "task %s: %s failed: %s", self.task_id, method, error.response.get("error")
            )
            return []
        return list(response.get("messages") or [])

    def _part_of(self, message: dict[str, Any]) -> int | None:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") != METADATA_EVENT or payload.get("task_id") != self.task_id:
            return None
        part = payload.get("part")
        return part if isinstance(part, int) else None

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.slack, method)(**kwargs)
        except SlackApiError as error:
            if error.response.get("error") in UNREACHABLE_CHANNEL_ERRORS:
                raise ChannelUnreachable(error.response.get("error")) from error
            raise


def open_dm(slack: WebClient, user_id: str) -> str:
    """Return the id of the direct-message channel with a person."""
    response = slack.conversations_open(users=user_id)
    return str(response["channel"]["id"])


def tell_privately(
    slack: WebClient, channel: str, user_id: str, response_url: str | None, text: str
) -> None:
    """Send a person an ephemeral note: through the command's response_url, else in channel."""
    if response_url:
        webhook = WebhookClient(response_url, timeout=10)
        result = webhook.send(text=text, response_type="ephemeral", replace_original=False)
        if result.status_code == 200:
            return
        logger.warning("response_url answered HTTP %s", result.status_code)
    try:
        if channel:
            slack.chat_postEphemeral(channel=channel, user=user_id, text=text)
        else:
            slack.chat_postMessage(channel=open_dm(slack, user_id), text=text)
    except SlackApiError as error:
        logger.warning("could not send a private note: %s", error.response.get("error"))


def notify_moved_to_dm(
    slack: WebClient, channel: str, user_id: str, response_url: str | None
) -> None:
    """Tell a person their answer went to a DM, and why."""
    tell_privately(slack, channel, user_id, response_url, dm_notice(channel))
