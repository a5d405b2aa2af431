"""`/model test`: a real call to an endpoint, timed, reported to the person who asked."""

from __future__ import annotations

import logging
import time
from typing import Any

from db.keys import KeyUnreadable
from db.models import LlmModel
from db.url_policy import UnsafeURL, check_model_url
from tasks.delivery import tell_privately
from tasks.llm import Endpoint, complete, describe_failure
from tasks.messages import escape, shorten
from tasks.runtime import Runtime

logger = logging.getLogger(__name__)

TEST_PROMPT = "Reply with the single word OK."
TEST_TIMEOUT_SECONDS = 30.0


def test_model(runtime: Runtime, model_id: int, reply_to: dict[str, Any]) -> None:
    """Call a model once and tell the person how long it took, or why it failed."""
    text = probe_result(runtime, model_id)
    tell_privately(
        runtime.slack,
        reply_to.get("channel_id", ""),
        reply_to.get("user_id", ""),
        reply_to.get("response_url"),
        text,
    )


def probe_result(runtime: Runtime, model_id: int) -> str:
    """Return the sentence that reports a test call to a model."""
    with runtime.sessions() as session:
        model = session.get(LlmModel, model_id)
        if model is None:
            return "That model was removed before it could be tested."
        name = model.name
        try:
            endpoint = Endpoint(
                model.base_url,
                model.provider_model,
                runtime.keys.decrypt(model.api_key_encrypted),
                model.name,
                float(min(model.timeout_seconds, TEST_TIMEOUT_SECONDS)),
            )
        except KeyUnreadable:
            return f":x: `{name}`: its API key cannot be decrypted; set it again with /model edit."
    try:
        check_model_url(endpoint.base_url, runtime.settings.allow_private_model_urls)
    except UnsafeURL as error:
        return f":x: `{name}`: the URL is not allowed: {error}."
    started = time.monotonic()
    try:
        reply = complete(endpoint, TEST_PROMPT, endpoint.timeout_seconds)
    except Exception as error:  # noqa: BLE001 - every failure is reported in words
        reason = describe_failure(error, endpoint, endpoint.timeout_seconds)
        return f":x: `{name}` failed after {time.monotonic() - started:.2f} s: {reason}"
    elapsed = time.monotonic() - started
    return (
        f":white_check_mark: `{name}` answered in {elapsed:.2f} s: "
        f"“{escape(shorten(reply, 80)) or '(empty)'}”"
    )
