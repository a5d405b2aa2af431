"""Test calls: a real call to an endpoint, timed, recorded on the model, told to the asker."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from db.keys import KeyUnreadable
from db.models import LlmModel, utcnow
from db.url_policy import UnsafeURL, check_model_url
from tasks.delivery import tell_privately
from tasks.llm import Endpoint, complete, describe_failure
from tasks.messages import escape, shorten
from tasks.runtime import Runtime

logger = logging.getLogger(__name__)

TEST_PROMPT = "Reply with the single word OK."
TEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ProbeResult:
    """How a test call went."""

    ok: bool
    message: str
    latency_ms: int | None = None


def test_model(runtime: Runtime, model_id: int, reply_to: dict[str, Any]) -> None:
    """Call a model once, record how it went, and tell the person who asked in Slack."""
    name, result = probe(runtime, model_id)
    record(runtime, model_id, result)
    if reply_to.get("user_id") or reply_to.get("response_url"):
        tell_privately(
            runtime.slack,
            reply_to.get("channel_id") or "",
            reply_to.get("user_id") or "",
            reply_to.get("response_url"),
            slack_text(name, result),
        )


def slack_text(name: str, result: ProbeResult) -> str:
    """Return the Slack sentence that reports a test call."""
    if result.ok:
        return f":white_check_mark: `{name}` {result.message}"
    return f":x: `{name}`: {result.message}"


def probe(runtime: Runtime, model_id: int) -> tuple[str, ProbeResult]:
    """Make the test call; return the model's name and the result."""
    endpoint, problem = _endpoint(runtime, model_id)
    if endpoint is None:
        return "?", ProbeResult(False, problem or "That model was removed.")
    started = time.monotonic()
    try:
        check_model_url(endpoint.base_url, runtime.settings.allow_private_model_urls)
        reply = complete(endpoint, TEST_PROMPT, endpoint.timeout_seconds)
    except UnsafeURL as error:
        return endpoint.name, ProbeResult(False, f"the URL is not allowed: {error}.")
    except Exception as error:  # noqa: BLE001 - every failure is reported in words
        elapsed = int((time.monotonic() - started) * 1000)
        reason = describe_failure(error, endpoint, endpoint.timeout_seconds)
        return endpoint.name, ProbeResult(False, f"failed after {elapsed} ms: {reason}", elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    said = escape(shorten(reply, 80)) or "(empty)"
    return endpoint.name, ProbeResult(
        True, f"answered in {elapsed / 1000:.2f} s: “{said}”", elapsed
    )


def _endpoint(runtime: Runtime, model_id: int) -> tuple[Endpoint | None, str | None]:
    with runtime.sessions() as session:
        model = session.get(LlmModel, model_id)
        if model is None:
            return None, "That model was removed before it could be tested."
        try:
            key = runtime.keys.decrypt(model.api_key_encrypted)
        except KeyUnreadable:
            return None, "its API key cannot be decrypted; set it again."
        timeout = float(min(model.timeout_seconds, TEST_TIMEOUT_SECONDS))
        return Endpoint(model.base_url, model.provider_model, key, model.name, timeout), None


def record(runtime: Runtime, model_id: int, result: ProbeResult) -> None:
    """Keep the result on the model, for the web page."""
    with runtime.sessions.begin() as session:
        model = session.get(LlmModel, model_id)
        if model is not None:
            model.last_test_at = utcnow()
            model.last_test_ok = result.ok
            model.last_test_latency_ms = result.latency_ms
            model.last_test_message = result.message[:500]
