"""Slash commands as Slack sends them: form bodies built ahead, signed just before sending."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

TASK_ID = re.compile(r"#(\d+)")
EVENTS_PATH = "/slack/events"
TEAM_ID = "T1"


@dataclass(frozen=True)
class Command:
    """One prepared slash command."""

    index: int
    channel: str
    user: str
    text: str
    body: bytes


@dataclass(frozen=True)
class Response:
    """What the app answered, and when."""

    status: int
    body: bytes
    sent_at: float
    latency: float

    def json(self) -> dict[str, Any]:
        """Return the JSON body (empty when there is none)."""
        try:
            data = json.loads(self.body) if self.body else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def text(self) -> str:
        """Return the reply text of the ack."""
        return str(self.json().get("text", ""))

    def task_id(self) -> int | None:
        """Return the task `#<id>` the ack names, if any."""
        match = TASK_ID.search(self.text())
        return int(match.group(1)) if match else None


def build_command(
    index: int, command: str, text: str, channel: str, user: str, response_url: str, tag: str
) -> Command:
    """Return the form body of a slash command (unique trigger_id per command)."""
    payload = {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "bench",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "ABENCH",
        "response_url": response_url,
        "trigger_id": f"bench.{tag}.{index}",
    }
    return Command(index, channel, user, text, urlencode(payload).encode())


def signed_headers(secret: bytes, body: bytes, keep_alive: bool) -> dict[str, str]:
    """Return Slack's v0 signature headers for a body, timestamped now."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret, base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest,
        "Content-Type": "application/x-www-form-urlencoded",
        "Connection": "keep-alive" if keep_alive else "close",
    }


class Sender:
    """Posts signed commands to the app over one HTTP connection at a time."""

    def __init__(self, port: int, secret: str, keep_alive: bool = False) -> None:
        self.port = port
        self.secret = secret.encode()
        self.keep_alive = keep_alive
        self._connection: http.client.HTTPConnection | None = None

    def post(self, command: Command) -> Response:
        """Sign and send one command; return the response with its latency."""
        sent_at, started = time.time(), time.perf_counter()
        headers = signed_headers(self.secret, command.body, self.keep_alive)
        connection = self._connect()
        try:
            connection.request("POST", EVENTS_PATH, command.body, headers)
            reply = connection.getresponse()
            body = reply.read()
        except BaseException:
            self.close()
            raise
        latency = time.perf_counter() - started
        if not self.keep_alive or reply.will_close:
            self.close()
        return Response(reply.status, body, sent_at, latency)

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self._connection

    def close(self) -> None:
        """Close the connection, if one is open."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
