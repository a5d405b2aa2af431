"""The loopback fakes work with the real slack_sdk and openai clients."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes.llm_server import FakeLLM
from tests.fakes.slack_api import FakeSlack

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A running FakeSlack."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    """A real WebClient pointed at the fake."""
    return WebClient(token="xoxb-test", base_url=slack.url)


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    """A running FakeLLM."""
    with FakeLLM() as fake:
        yield fake


@pytest.fixture
def ai(llm: FakeLLM) -> Iterator[openai.OpenAI]:
    """A real OpenAI client pointed at the fake."""
    with openai.OpenAI(
        api_key="sk-test",
        base_url=llm.base_url,
        max_retries=0,
        timeout=5,
    ) as c:
        yield c


def test_post_update_and_thread(slack: FakeSlack, client: WebClient) -> None:
    """Messages are stored, updated and threaded like Slack does."""
    parent = client.chat_postMessage(channel="C1", text="Thinking…", blocks=BLOCKS)
    ts = parent["ts"]
    client.chat_update(channel="C1", ts=ts, text="Done")
    reply = client.chat_postMessage(channel="C1", text="more", thread_ts=ts)
    assert float(reply["ts"]) > float(ts)
    assert slack.messages("C1")[0]["text"] == "Done"
    assert slack.messages("C1")[0]["blocks"] == BLOCKS
    assert [m["text"] for m in slack.thread("C1", ts)] == ["more"]
    history = client.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in history] == [ts]
    replies = client.conversations_replies(channel="C1", ts=ts)["messages"]
    assert [m["text"] for m in replies] == ["Done", "more"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link.endswith("/C1/p" + ts.replace(".", ""))
    assert slack.calls("chat.update")[0].token == "xoxb-test"


def test_form_values_are_decoded(slack: FakeSlack, client: WebClient) -> None:
    """JSON-encoded form values arrive as Python objects."""
    form = {"channel": "C2", "blocks": json.dumps(BLOCKS), "text": "[x"}
    client.api_call("chat.postMessage", params=form)
    assert slack.messages("C2")[0]["blocks"] == BLOCKS
    assert slack.messages("C2")[0]["text"] == "[x"


def test_errors(slack: FakeSlack, client: WebClient) -> None:
    """Faults and bad tokens produce Slack errors."""
    slack.fail_channel("C9")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C9", text="x")
    assert err.value.response["error"] == "not_in_channel"
    bad = WebClient(token="nope", base_url=slack.url)
    with pytest.raises(SlackApiError) as err:
        bad.auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        client.api_call("no.such.method")
    assert err.value.response["error"] == "unknown_method"


def test_users_and_dm(slack: FakeSlack, client: WebClient) -> None:
    """users.info, conversations.open and auth.test answer like Slack."""
    slack.add_user("U1", "Ada Lovelace")
    user = client.users_info(user="U1")["user"]
    assert user["profile"]["real_name"] == "Ada Lovelace"
    assert user["team_id"] == "T1"
    with pytest.raises(SlackApiError):
        client.users_info(user="U404")
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"
    assert client.auth_test()["user_id"] == "UBOT"


def test_rate_limit_is_retried(slack: FakeSlack, client: WebClient) -> None:
    """A 429 with Retry-After is retried by slack_sdk's handler."""
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    flags = [c.rate_limited for c in slack.calls("chat.postMessage")]
    assert flags == [True, False]
    assert len(slack.messages("C1")) == 1


def test_views_ephemeral_and_response_url(slack: FakeSlack, client: WebClient) -> None:
    """Views get ids; ephemerals and response_url posts are recorded."""
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = client.views_open(trigger_id="t1", view=view)["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert slack.ephemerals[0]["text"] == "psst"
    WebhookClient(slack.response_url()).send(text="done", replace_original=True)
    body = {"text": "done", "replace_original": True}
    assert slack.responses == [("/response/r", body)]


def test_llm_non_streaming(llm: FakeLLM, ai: openai.OpenAI) -> None:
    """A plain completion echoes the last user message."""
    messages = [{"role": "user", "content": "hello there"}]
    result = ai.chat.completions.create(model="m1", messages=messages)
    assert result.choices[0].message.content == "Answer to: hello there"
    assert result.usage is not None and result.usage.prompt_tokens == 2
    assert llm.requests[0].api_key == "sk-test"


def test_llm_streaming(llm: FakeLLM, ai: openai.OpenAI) -> None:
    """Streaming yields every chunk, then usage."""
    llm.script("m2", text="one two three four", chunk_size=3)
    stream = ai.chat.completions.create(
        model="m2",
        messages=[{"role": "user", "content": "q"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts, usage = [], None
    for chunk in stream:
        parts.extend(c.delta.content or "" for c in chunk.choices)
        usage = chunk.usage or usage
    assert "".join(parts) == "one two three four"
    assert usage is not None and usage.completion_tokens == 4
    assert llm.requests[0].stream


def test_llm_auth_and_model_errors(llm: FakeLLM, ai: openai.OpenAI) -> None:
    """Unknown keys give 401 and unknown models 404."""
    messages = [{"role": "user", "content": "q"}]
    llm.api_keys = {"sk-other"}
    with pytest.raises(openai.AuthenticationError):
        ai.chat.completions.create(model="m", messages=messages)
    llm.reset()
    llm.known_models = {"m"}
    with pytest.raises(openai.NotFoundError) as err:
        ai.chat.completions.create(model="x", messages=messages)
    assert err.value.code == "model_not_found"


def test_llm_rate_limit_then_recovery(llm: FakeLLM, ai: openai.OpenAI) -> None:
    """fail_times errors come first, then normal answers."""
    llm.script("m", status=429, retry_after=2, fail_times=1, text="ok")
    messages = [{"role": "user", "content": "q"}]
    with pytest.raises(openai.RateLimitError) as err:
        ai.chat.completions.create(model="m", messages=messages)
    assert err.value.response.headers["retry-after"] == "2"
    result = ai.chat.completions.create(model="m", messages=messages)
    assert result.choices[0].message.content == "ok"


def test_llm_drop_and_hang(llm: FakeLLM, ai: openai.OpenAI) -> None:
    """Dropped streams raise mid-way; hanging requests time out."""
    llm.script("drop", text="abcdefghij", chunk_size=2, drop_after_chars=4)
    messages = [{"role": "user", "content": "q"}]
    got: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        create = ai.chat.completions.create
        for chunk in create(model="drop", messages=messages, stream=True):
            got.extend(c.delta.content or "" for c in chunk.choices)
    assert "".join(got) == "abcd"
    llm.script("hang", hang=True)
    with pytest.raises(openai.APITimeoutError):
        impatient = ai.with_options(timeout=0.3)
        impatient.chat.completions.create(model="hang", messages=messages)
