"""Loopback stand-in of the Slack Web API for tests."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.server import LoopbackServer, Server

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
_TS_BASE = 1_700_000_000
_TS_STEP = 100
_EPHEMERAL_KEYS = ("channel", "user", "text", "blocks", "thread_ts")
_VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")

Params = dict[str, Any]
Record = dict[str, Any]
Headers = dict[str, str]
Answer = tuple[int, dict[str, Any], Headers]


@dataclass
class Call:
    """One recorded Web API call."""

    method: str
    params: Params
    token: str | None
    at: float
    rate_limited: bool = False


@dataclass
class _Fault:
    """A programmed answer with an optional number of remaining uses."""

    value: str
    times: int | None


def _decode(value: Any) -> Any:
    """Decode a JSON-looking form value, keeping the raw string otherwise."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _form(text: str) -> Params:
    """Parse a form-encoded string into decoded params."""
    return {k: _decode(v) for k, v in parse_qsl(text, keep_blank_values=True)}


def _body(raw: bytes, content_type: str) -> Params:
    """Parse a JSON or form-encoded request body."""
    if not raw:
        return {}
    if "json" in content_type:
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return _form(raw.decode("utf-8", "replace"))


def _err(error: str) -> Record:
    """Build a Slack error payload."""
    return {"ok": False, "error": error}


def _truthy(value: Any) -> bool:
    """Interpret a Slack boolean parameter."""
    return value in (True, 1, "1", "true", "True")


def _public(message: dict[str, Any], metadata: bool = True) -> Record:
    """Render a stored message like the API does (no empty fields)."""
    out = {k: v for k, v in message.items() if v is not None}
    if not metadata:
        out.pop("metadata", None)
    return out


def _consume(table: dict[str, _Fault], key: str) -> str | None:
    """Take one use of a programmed fault, if any is left."""
    fault = table.get(key)
    if fault is None:
        return None
    if fault.times is not None:
        fault.times -= 1
        if fault.times <= 0:
            del table[key]
    return fault.value


class _Handler(BaseHTTPRequestHandler):
    """Routes every request to the owning FakeSlack."""

    server: Server

    def do_GET(self) -> None:
        """Serve a GET request."""
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        """Serve a POST request."""
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class FakeSlack(LoopbackServer):
    """Loopback stand-in of the Slack Web API."""

    thread_name = "fake-slack"

    def __init__(self) -> None:
        """Create a stopped fake with empty state."""
        self.users: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        super().__init__(_Handler)
        self._ts_counter = 0
        self._view_counter = 0
        self._clear()

    def _clear(self) -> None:
        """Drop recorded calls, channel state and programmed faults."""
        self._calls: list[Call] = []
        self._messages: list[dict[str, Any]] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._responses: list[tuple[str, dict[str, Any]]] = []
        self._views: list[tuple[str, dict[str, Any]]] = []
        self._rate_limits: dict[str, _Fault] = {}
        self._method_faults: dict[str, _Fault] = {}
        self._channel_faults: dict[str, str] = {}
        self._delays: dict[str, float] = {}

    # lifecycle -----------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r") -> str:
        """A response_url whose posts land in ``responses``."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def reset(self) -> None:
        """Clear calls, messages and programmed behaviours (users stay)."""
        with self._lock:
            self._clear()

    # test data and faults ------------------------------------------------

    def add_user(self, user_id: str, real_name: str, team_id: str = TEAM_ID) -> Record:
        """Register a user for ``users.info``."""
        handle = ".".join(real_name.lower().split())
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": handle,
            "real_name": real_name,
            "is_bot": False,
            "tz": "UTC",
            "profile": {"real_name": real_name, "display_name": real_name},
        }
        with self._lock:
            self.users[user_id] = user
        return user

    def rate_limit(self, method: str, times: int, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429."""
        with self._lock:
            self._rate_limits[method] = _Fault(str(retry_after), times)

    def fail_channel(self, channel: str, error: str = "not_in_channel") -> None:
        """Make chat.postMessage / chat.update to ``channel`` fail."""
        with self._lock:
            self._channel_faults[channel] = error

    def fail_method(self, method: str, error: str, times: int | None = None) -> None:
        """Make ``method`` fail with ``error`` (``times`` calls, or forever)."""
        with self._lock:
            self._method_faults[method] = _Fault(error, times)

    def delay(self, method: str, seconds: float) -> None:
        """Sleep ``seconds`` before answering ``method``."""
        with self._lock:
            self._delays[method] = seconds

    # accessors -------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally of one method, oldest first."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Stored messages (top-level and replies), oldest first."""
        with self._lock:
            found = self._messages
            if channel is not None:
                found = [m for m in found if m["channel"] == channel]
            return [dict(m) for m in found]

    def top_level(self, channel: str) -> list[dict[str, Any]]:
        """Messages of ``channel`` that are not thread replies, oldest first."""
        with self._lock:
            return [dict(m) for m in self._top_level(channel)]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Replies in the thread of ``ts``, oldest first (parent excluded)."""
        with self._lock:
            return [dict(m) for m in self._replies(channel, ts)]

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Recorded chat.postEphemeral messages."""
        with self._lock:
            return list(self._ephemerals)

    @property
    def responses(self) -> list[tuple[str, dict[str, Any]]]:
        """Bodies posted to response URLs as (path, body)."""
        with self._lock:
            return list(self._responses)

    @property
    def views(self) -> list[tuple[str, dict[str, Any]]]:
        """Views sent through views.* as (method, view)."""
        with self._lock:
            return list(self._views)

    def _top_level(self, channel: str | None) -> list[dict[str, Any]]:
        """Stored top-level messages of a channel."""
        return [
            m
            for m in self._messages
            if m["channel"] == channel and m["thread_ts"] in (None, m["ts"])
        ]

    def _replies(self, channel: str | None, ts: str | None) -> list[dict[str, Any]]:
        """Stored replies to ``ts``."""
        return [
            m
            for m in self._messages
            if m["channel"] == channel and m["thread_ts"] == ts and m["ts"] != ts
        ]

    def _find(self, channel: str | None, ts: str | None) -> dict[str, Any] | None:
        """A stored message by channel and ts."""
        for message in self._messages:
            if message["channel"] == channel and message["ts"] == ts:
                return message
        return None

    def _next_ts(self) -> str:
        """A unique, increasing message timestamp."""
        self._ts_counter += _TS_STEP
        n = self._ts_counter
        return f"{_TS_BASE + n // 1_000_000}.{n % 1_000_000:06d}"

    # HTTP plumbing ---------------------------------------------------------

    def _handle(self, req: _Handler) -> None:
        """Answer one HTTP request."""
        parts = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        params = _form(parts.query)
        params.update(_body(raw, req.headers.get("Content-Type", "")))
        if not parts.path.startswith("/api/"):
            with self._lock:
                self._responses.append((parts.path, params))
            self._send(req, 200, b"ok", {"Content-Type": "text/plain"})
            return
        token = self._token(req, params)
        status, payload, headers = self._answer(parts.path[5:], params, token)
        headers["Content-Type"] = "application/json; charset=utf-8"
        self._send(req, status, json.dumps(payload).encode(), headers)

    @staticmethod
    def _token(req: _Handler, params: Params) -> str | None:
        """The bearer token from the header, or the ``token`` param."""
        header = req.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        token = params.pop("token", None)
        return str(token) if token else None

    @staticmethod
    def _send(req: _Handler, status: int, body: bytes, headers: Headers) -> None:
        """Write a complete HTTP response."""
        req.send_response(status)
        req.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)

    def _answer(self, method: str, params: Params, token: str | None) -> Answer:
        """Record the call, apply faults and dispatch to the method."""
        with self._lock:
            retry_after = _consume(self._rate_limits, method)
            call = Call(method, params, token, time.time(), retry_after is not None)
            self._calls.append(call)
            pause = self._delays.get(method, 0.0)
        if pause > 0:
            time.sleep(pause)
        if retry_after is not None:
            return 429, _err("ratelimited"), {"Retry-After": retry_after}
        with self._lock:
            return 200, self._dispatch(method, params, token), {}

    def _dispatch(self, method: str, params: Params, token: str | None) -> Record:
        """Run the method handler (lock held)."""
        if not token:
            return _err("not_authed")
        if not token.startswith("xoxb-"):
            return _err("invalid_auth")
        fault = _consume(self._method_faults, method)
        if fault is not None:
            return _err(fault)
        if method in _VIEW_METHODS:
            return self._view(method, params)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return _err("unknown_method")
        return handler(params)

    # Web API methods (called with the lock held) ---------------------------

    def _api_auth_test(self, p: Params) -> Record:
        """auth.test."""
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "promptdesk",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _api_chat_postMessage(self, p: Params) -> Record:
        """chat.postMessage."""
        channel = p.get("channel")
        if not channel:
            return _err("channel_not_found")
        if channel in self._channel_faults:
            return _err(self._channel_faults[channel])
        if not (p.get("text") or p.get("blocks") or p.get("attachments")):
            return _err("no_text")
        message = {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "text": p.get("text") or "",
            "blocks": p.get("blocks"),
            "thread_ts": p.get("thread_ts") or None,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "metadata": p.get("metadata"),
        }
        self._messages.append(message)
        ts = message["ts"]
        return {"ok": True, "channel": channel, "ts": ts, "message": _public(message)}

    def _api_chat_update(self, p: Params) -> Record:
        """chat.update."""
        channel, ts = p.get("channel"), p.get("ts")
        if channel in self._channel_faults:
            return _err(self._channel_faults[channel])
        message = self._find(channel, ts)
        if message is None:
            return _err("message_not_found")
        for key in ("text", "blocks", "metadata"):
            if key in p:
                message[key] = p[key]
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": _public(message),
        }

    def _api_chat_delete(self, p: Params) -> Record:
        """chat.delete."""
        message = self._find(p.get("channel"), p.get("ts"))
        if message is None:
            return _err("message_not_found")
        self._messages.remove(message)
        return {"ok": True, "channel": message["channel"], "ts": message["ts"]}

    def _api_chat_postEphemeral(self, p: Params) -> Record:
        """chat.postEphemeral."""
        ts = self._next_ts()
        entry = {key: p.get(key) for key in _EPHEMERAL_KEYS}
        entry["message_ts"] = ts
        self._ephemerals.append(entry)
        return {"ok": True, "message_ts": ts}

    def _api_chat_getPermalink(self, p: Params) -> Record:
        """chat.getPermalink."""
        channel, ts = p.get("channel"), str(p.get("message_ts", ""))
        link = f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _api_conversations_open(self, p: Params) -> Record:
        """conversations.open."""
        if p.get("channel"):
            return {"ok": True, "channel": {"id": p["channel"]}}
        users = p.get("users") or ""
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            return _err("users_list_not_supplied")
        return {"ok": True, "channel": {"id": "D" + str(users).replace(",", "")}}

    def _api_conversations_history(self, p: Params) -> Record:
        """conversations.history: top-level messages, newest first."""
        meta = _truthy(p.get("include_all_metadata"))
        found = [_public(m, meta) for m in reversed(self._top_level(p.get("channel")))]
        limit = int(p.get("limit") or 100)
        return {
            "ok": True,
            "messages": found[:limit],
            "has_more": len(found) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _api_conversations_replies(self, p: Params) -> Record:
        """conversations.replies: parent, then replies oldest first."""
        channel, ts = p.get("channel"), p.get("ts")
        parent = self._find(channel, ts)
        if parent is None:
            return _err("thread_not_found")
        meta = _truthy(p.get("include_all_metadata"))
        found = [parent, *self._replies(channel, ts)]
        return {
            "ok": True,
            "messages": [_public(m, meta) for m in found],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _api_users_info(self, p: Params) -> Record:
        """users.info."""
        user = self.users.get(str(p.get("user")))
        if user is None:
            return _err("user_not_found")
        return {"ok": True, "user": json.loads(json.dumps(user))}

    def _view(self, method: str, p: Params) -> Record:
        """views.open / update / push / publish."""
        view = p.get("view")
        if not isinstance(view, dict):
            return _err("invalid_arguments")
        self._view_counter += 1
        result = {**view, "id": p.get("view_id") or f"V{self._view_counter}"}
        self._views.append((method, result))
        return {"ok": True, "view": dict(result)}
