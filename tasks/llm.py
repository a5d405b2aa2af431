"""Calls to OpenAI-compatible Chat Completions endpoints, and what their failures mean."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx2 as httpx
import openai
from openai import OpenAI

RETRYABLE = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
)
MAX_CALL_ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call a model."""

    base_url: str
    provider_model: str
    api_key: str
    name: str
    timeout_seconds: float = 120.0


@dataclass
class Usage:
    """Token counts reported by the endpoint."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None


class LLMFailure(Exception):
    """A call to a model failed; the message is written for the person who asked."""


class LLMCancelled(Exception):
    """The call was stopped because the task was cancelled."""


class CallDeadline:
    """The time left for the whole call, across retries."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends_at = time.monotonic() + seconds

    def left(self) -> float:
        """Return the seconds left, never below zero."""
        return max(0.0, self._ends_at - time.monotonic())

    def expired(self) -> bool:
        """Tell whether the time is up."""
        return self.left() <= 0


_clients: dict[tuple[str, str], OpenAI] = {}
_clients_lock = threading.Lock()


def client_for(endpoint: Endpoint) -> OpenAI:
    """Return a client for an endpoint, shared so that connections are reused."""
    key = (endpoint.base_url, endpoint.api_key)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            # Retries are ours (one layer, with backoff and Retry-After), not the client's.
            client = OpenAI(api_key=endpoint.api_key, base_url=endpoint.base_url, max_retries=0)
            _clients[key] = client
        return client


def messages_for(prompt: str) -> list[dict[str, str]]:
    """Return the chat messages for a prompt."""
    return [{"role": "user", "content": prompt}]


class ChatStream:
    """One streaming call; `close()` from another thread stops it."""

    def __init__(self, endpoint: Endpoint, prompt: str, deadline: CallDeadline) -> None:
        self.endpoint = endpoint
        self.prompt = prompt
        self.deadline = deadline
        self.usage = Usage()
        self._stream: openai.Stream | None = None  # type: ignore[type-arg]
        self._closed = threading.Event()

    def close(self) -> None:
        """Stop the call (safe from any thread)."""
        self._closed.set()
        stream = self._stream
        if stream is not None:
            # Closing a socket that already died may fail in many ways; it is closed either way.
            with contextlib.suppress(Exception):
                stream.close()

    def texts(self) -> Iterator[str]:
        """Yield pieces of the answer as the endpoint writes them."""
        timeout = httpx.Timeout(
            self.deadline.left(), connect=min(CONNECT_TIMEOUT_SECONDS, self.deadline.left())
        )
        self._stream = client_for(self.endpoint).chat.completions.create(
            model=self.endpoint.provider_model,
            messages=messages_for(self.prompt),  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
            timeout=timeout,
        )  # type: ignore[call-overload]
        if self._closed.is_set():
            self.close()
        for chunk in self._stream:
            if self._closed.is_set():
                raise LLMCancelled()
            if chunk.usage is not None:
                self.usage = Usage(
                    chunk.usage.prompt_tokens,
                    chunk.usage.completion_tokens,
                    chunk.usage.total_tokens,
                )
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    yield choice.delta.content
            if self.deadline.expired():
                raise openai.APITimeoutError(request=httpx.Request("POST", self.endpoint.base_url))


def complete(endpoint: Endpoint, prompt: str, timeout: float) -> str:
    """Return a whole (non-streamed) answer; used to test that an endpoint works."""
    response = client_for(endpoint).chat.completions.create(
        model=endpoint.provider_model,
        messages=messages_for(prompt),  # type: ignore[arg-type]
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_SECONDS, timeout)),
        max_tokens=16,
    )
    return response.choices[0].message.content or "" if response.choices else ""


def backoff_seconds(attempt: int, error: Exception) -> float:
    """Return how long to wait before the next attempt: Retry-After, or backoff with jitter."""
    retry_after = _retry_after(error)
    if retry_after is not None:
        return min(retry_after, BACKOFF_CAP_SECONDS * 2)
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)


def _retry_after(error: Exception) -> float | None:
    response = getattr(error, "response", None)
    if response is None:
        return None
    raw = response.headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def with_retries(
    call: Callable[[], str],
    deadline: CallDeadline,
    sleep: Callable[[float], bool],
) -> str:
    """Run a call, retrying transient failures until attempts or time run out.

    `sleep` waits and returns False when the wait was interrupted (the task was cancelled).
    """
    for attempt in range(MAX_CALL_ATTEMPTS):
        try:
            return call()
        except RETRYABLE as error:
            wait = backoff_seconds(attempt, error)
            last_attempt = attempt == MAX_CALL_ATTEMPTS - 1
            if last_attempt or deadline.expired() or wait >= deadline.left():
                raise
            if not sleep(wait):
                raise LLMCancelled() from error
    raise AssertionError("unreachable")


def describe_failure(error: Exception, endpoint: Endpoint, timeout_seconds: float) -> str:
    """Say in plain words why a call failed (never with the API key)."""
    if isinstance(error, LLMFailure):
        return str(error)
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return "The endpoint rejected the API key."
    if isinstance(error, openai.NotFoundError):
        return f"Model `{endpoint.provider_model}` not found at that endpoint."
    if isinstance(error, openai.RateLimitError):
        return "The endpoint kept answering “too many requests” (HTTP 429); try again later."
    if isinstance(error, openai.APITimeoutError):
        return f"Timed out after {timeout_seconds:g} s."
    if isinstance(error, openai.APIConnectionError):
        return "Could not reach the endpoint (connection failed)."
    if isinstance(error, openai.BadRequestError):
        return f"The endpoint refused the request: {_server_message(error)}"
    if isinstance(error, openai.APIStatusError):
        return f"The endpoint failed with HTTP {error.status_code}: {_server_message(error)}"
    return "The call to the model failed unexpectedly."


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else None
    text = str(message or error.message or "no details")
    return _redact(text, max_length=300)


def _redact(text: str, max_length: int) -> str:
    """Cut a server's message down and hide anything that looks like a key in it."""
    import re

    text = re.sub(r"(sk-[A-Za-z0-9_\-]{0,3})[A-Za-z0-9_\-*]{4,}", r"\1…", text)
    return text if len(text) <= max_length else text[: max_length - 1] + "…"
