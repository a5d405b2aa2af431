"""Loopback OpenAI-compatible Chat Completions server for tests."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.server import LoopbackServer, Server

Json = dict[str, Any]
Headers = dict[str, str]

_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", "invalid_request", "Invalid request"),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided"),
    403: ("permission_error", "permission_denied", "Permission denied"),
    404: ("invalid_request_error", "model_not_found", "The model does not exist"),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached"),
    500: ("server_error", None, "The server had an error processing your request"),
    503: ("server_error", "service_unavailable", "The server is overloaded"),
}

_UNKNOWN_URL: dict[str, Any] = {
    "error": {
        "message": "Unknown request URL",
        "type": "invalid_request_error",
        "param": None,
        "code": "unknown_url",
    }
}


@dataclass
class Behaviour:
    """Scripted behaviour for requests naming one model."""

    text: str | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunk_size: int = 20
    status: int | None = None
    fail_times: int = 0
    retry_after: float | None = None
    hang: bool = False
    drop_after_chars: int | None = None


@dataclass
class LLMRequest:
    """One recorded chat completion request."""

    model: str
    messages: list[Json]
    stream: bool
    api_key: str | None
    at: float
    body: Json = field(default_factory=dict)


def _text_of(content: Any) -> str:
    """Plain text of a message content (string or list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return " ".join(str(p) for p in parts)
    return ""


def _default_answer(messages: list[Json]) -> str:
    """The default answer: echo the last user message."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    last = _text_of(users[-1].get("content")) if users else ""
    return f"Answer to: {last}"


def _usage(messages: list[Json], text: str) -> Json:
    """Token usage counted as whitespace-split words."""
    words = sum(len(_text_of(m.get("content")).split()) for m in messages)
    prompt = max(1, words)
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _error_body(status: int, model: str) -> Json:
    """An OpenAI-style error body for ``status``."""
    etype, code, message = _ERRORS.get(status, ("server_error", None, f"HTTP {status}"))
    if status == 404:
        message = f"The model `{model}` does not exist or you do not have access to it."
    return {"error": {"message": message, "type": etype, "param": None, "code": code}}


def _pieces(text: str, size: int) -> list[str]:
    """Split ``text`` into chunks of ``size`` characters."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


class _Chunked:
    """Writes server-sent events with chunked transfer encoding."""

    def __init__(self, req: _Handler) -> None:
        """Wrap the handler's output stream."""
        self._req = req

    def event(self, payload: Json | str) -> None:
        """Send one ``data:`` event and flush it."""
        data = payload if isinstance(payload, str) else json.dumps(payload)
        chunk = f"data: {data}\n\n".encode()
        self._req.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
        self._req.wfile.flush()

    def finish(self) -> None:
        """Send the terminating zero-length chunk."""
        self._req.wfile.write(b"0\r\n\r\n")
        self._req.wfile.flush()

    def abort(self) -> None:
        """Drop the connection mid-body."""
        self._req.close_connection = True
        with contextlib.suppress(OSError):
            self._req.connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Routes every request to the owning FakeLLM."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def do_GET(self) -> None:
        """Serve a GET request."""
        self.server.fake._handle_get(self)

    def do_POST(self) -> None:
        """Serve a POST request."""
        self.server.fake._handle_post(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class FakeLLM(LoopbackServer):
    """Loopback OpenAI-compatible Chat Completions server."""

    thread_name = "fake-llm"

    def start(self) -> None:
        """Serve on 127.0.0.1 at a free port in a daemon thread."""
        self._stopped = threading.Event()
        super().start()

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket."""
        self._stopped.set()
        super().stop()

    def __init__(self) -> None:
        """Create a stopped server with no scripts."""
        self.api_keys: set[str] | None = None
        self.known_models: set[str] | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        super().__init__(_Handler)
        self._ids = itertools.count(1)
        self._requests: list[LLMRequest] = []
        self._scripts: dict[str, Behaviour] = {}
        self._attempts: dict[str, int] = {}

    # lifecycle -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Base URL for ``OpenAI(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # scripting and inspection -----------------------------------------------

    def script(self, model: str, **behaviour: Any) -> Behaviour:
        """Script answers for ``model`` ("*" matches unscripted models)."""
        scripted = Behaviour(**behaviour)
        with self._lock:
            self._scripts[model] = scripted
            self._attempts.pop(model, None)
        return scripted

    @property
    def requests(self) -> list[LLMRequest]:
        """Recorded requests, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget requests, scripts, api_keys and known_models."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
            self._attempts.clear()
            self.api_keys = None
            self.known_models = None

    # HTTP plumbing ---------------------------------------------------------

    def _handle_get(self, req: _Handler) -> None:
        """Serve GET /v1/models."""
        if req.path.split("?")[0].rstrip("/") != "/v1/models":
            self._send_json(req, 404, _UNKNOWN_URL, {})
            return
        with self._lock:
            names = self.known_models or {m for m in self._scripts if m != "*"}
        data = [_model_card(name) for name in sorted(names)]
        self._send_json(req, 200, {"object": "list", "data": data}, {})

    def _handle_post(self, req: _Handler) -> None:
        """Serve POST /v1/chat/completions."""
        body = self._read_json(req)
        if req.path.split("?")[0] != "/v1/chat/completions":
            self._send_json(req, 404, _UNKNOWN_URL, {})
            return
        if body is None:
            self._send_json(req, 400, _error_body(400, ""), {})
            return
        model = str(body.get("model", ""))
        api_key = self._api_key(req)
        with self._lock:
            stream = bool(body.get("stream"))
            messages = body.get("messages") or []
            entry = LLMRequest(model, messages, stream, api_key, time.time(), body)
            self._requests.append(entry)
        status = self._rejection(api_key, model)
        if status is not None:
            self._send_json(req, status, _error_body(status, model), {})
            return
        self._serve(req, body)

    def _serve(self, req: _Handler, body: Json) -> None:
        """Answer an accepted request following its script."""
        model = str(body.get("model", ""))
        messages = body.get("messages") or []
        plan, failing = self._plan(model)
        released = self._pause(plan.delay) and (not plan.hang or self._pause(None))
        if not released:
            req.close_connection = True
            return
        if failing and plan.status is not None:
            headers: Headers = {}
            if plan.retry_after is not None:
                headers["Retry-After"] = f"{plan.retry_after:g}"
            self._send_json(req, plan.status, _error_body(plan.status, model), headers)
            return
        text = plan.text if plan.text is not None else _default_answer(messages)
        if body.get("stream"):
            self._stream(req, body, text, plan)
        else:
            self._send_json(req, 200, self._completion(model, messages, text), {})

    def _rejection(self, api_key: str | None, model: str) -> int | None:
        """401 or 404 when the key or model is not accepted."""
        keys, models = self.api_keys, self.known_models
        if keys is not None and api_key not in keys:
            return 401
        if models is not None and model not in models:
            return 404
        return None

    def _plan(self, model: str) -> tuple[Behaviour, bool]:
        """The behaviour for this request and whether it should fail."""
        with self._lock:
            plan = self._scripts.get(model) or self._scripts.get("*") or Behaviour()
            attempt = self._attempts.get(model, 0) + 1
            self._attempts[model] = attempt
        limit = plan.fail_times
        failing = plan.status is not None and (limit <= 0 or attempt <= limit)
        if plan.drop_after_chars is not None and 0 < limit < attempt:
            # fail_times also bounds dropped streams: later attempts are answered whole.
            return replace(plan, drop_after_chars=None), failing
        return replace(plan), failing

    def _pause(self, seconds: float | None) -> bool:
        """Sleep (forever if None) unless stopped; False when stopped."""
        if seconds is not None and seconds <= 0:
            return not self._stopped.is_set()
        return not self._stopped.wait(seconds)

    def _completion(self, model: str, messages: list[Json], text: str) -> Json:
        """A non-streaming chat.completion object."""
        message = {"role": "assistant", "content": text, "refusal": None}
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "stop",
        }
        return {
            **self._envelope(model, "chat.completion"),
            "choices": [choice],
            "usage": _usage(messages, text),
        }

    def _envelope(self, model: str, kind: str) -> Json:
        """Fields shared by completion objects."""
        with self._lock:
            number = next(self._ids)
        return {
            "id": f"chatcmpl-fake{number}",
            "object": kind,
            "created": int(time.time()),
            "model": model,
        }

    def _stream(self, req: _Handler, body: Json, text: str, plan: Behaviour) -> None:
        """Send the answer as server-sent events."""
        req.send_response(200)
        req.send_header("Content-Type", "text/event-stream; charset=utf-8")
        req.send_header("Cache-Control", "no-cache")
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()
        out = _Chunked(req)
        try:
            self._emit(out, body, text, plan)
        except OSError:
            req.close_connection = True

    def _emit(self, out: _Chunked, body: Json, text: str, plan: Behaviour) -> None:
        """Role chunk, content chunks, stop chunk, usage chunk and [DONE]."""
        base = self._envelope(str(body.get("model", "")), "chat.completion.chunk")
        out.event(_chunk(base, {"role": "assistant", "content": ""}))
        dropping = plan.drop_after_chars is not None
        sent = text[: plan.drop_after_chars] if dropping else text
        for i, piece in enumerate(_pieces(sent, plan.chunk_size)):
            if i and not self._pause(plan.chunk_delay):
                out.abort()
                return
            out.event(_chunk(base, {"content": piece}))
        if dropping:
            out.abort()
            return
        out.event(_chunk(base, {}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = _usage(body.get("messages") or [], text)
            out.event({**base, "choices": [], "usage": usage})
        out.event("[DONE]")
        out.finish()

    @staticmethod
    def _read_json(req: _Handler) -> Json | None:
        """The request body as a JSON object, or None if invalid."""
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def _api_key(req: _Handler) -> str | None:
        """The bearer token of the request."""
        header = req.headers.get("Authorization", "")
        return header[7:].strip() if header.lower().startswith("bearer ") else None

    @staticmethod
    def _send_json(req: _Handler, status: int, payload: Json, headers: Headers) -> None:
        """Write a complete JSON response."""
        body = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)


def _chunk(base: Json, delta: Json, finish: str | None = None) -> Json:
    """A chat.completion.chunk with one choice."""
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**base, "choices": [choice]}


def _model_card(name: str) -> Json:
    """One entry of GET /v1/models."""
    return {"id": name, "object": "model", "created": 0, "owned_by": "fake"}
