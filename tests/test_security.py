"""Signatures, URL policy, key encryption and rotation, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from app import create_app
from db.keys import KeyBox
from db.models import LlmModel, Person, Task, TaskStatus
from db.url_policy import UnsafeURL, check_model_url
from tests.helpers import register, task, task_id_in, wait_status
from tests.stack import ROOT, SlackUser, Stack, sign


def command_body(text: str = "list") -> bytes:
    return urlencode(
        {
            "command": "/model",
            "text": text,
            "user_id": "U111",
            "team_id": "T1",
            "channel_id": "C100",
            "user_name": "ada",
            "trigger_id": "t.1",
        }
    ).encode()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=deadbeef"},
        "stale",
        "wrong-secret",
    ],
    ids=["missing", "wrong", "stale", "wrong-secret"],
)
def test_unsigned_or_badly_signed_requests_get_401(env: Stack, app, headers) -> None:  # type: ignore[no-untyped-def]
    body = command_body()
    if headers == "stale":
        headers = sign(body, timestamp=int(time.time()) - 6 * 60)
    elif headers == "wrong-secret":
        headers = sign(body, secret="not-the-secret")
    response = app.test_client().post(
        "/slack/events",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    assert response.status_code == 401
    with env.sessions()() as session:
        assert session.query(Person).count() == 0


def test_a_properly_signed_request_passes(env: Stack, ada: SlackUser) -> None:
    assert "No model is registered yet" in ada.model("list")


@pytest.mark.parametrize(
    ("url", "allow_private", "reason"),
    [
        ("http://169.254.169.254/latest", True, "link-local or metadata"),
        ("http://[fe80::1]/v1", True, "link-local or metadata"),
        ("http://metadata.google.internal/v1", True, "metadata"),
        ("http://127.0.0.1:8000/v1", False, "loopback or private"),
        ("http://10.1.2.3/v1", False, "loopback or private"),
        ("http://[::ffff:192.168.1.5]/v1", False, "loopback or private"),
        ("file:///etc/passwd", True, "http:// or https://"),
        ("gopher://example.com", True, "http:// or https://"),
        ("http://user:pw@example.com/v1", True, "not in the URL"),
        ("http://0.0.0.0/v1", True, "link-local or metadata"),
    ],
)
def test_url_policy_refuses(url: str, allow_private: bool, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason):
        check_model_url(url, allow_private)


def test_url_policy_allows_private_only_when_told() -> None:
    check_model_url("http://127.0.0.1:11434/v1", allow_private=True)
    check_model_url("http://192.168.1.20:8000/v1", allow_private=True)
    check_model_url("https://93.184.216.34/v1", allow_private=False)


def test_private_model_url_refused_at_registration(env: Stack, app) -> None:  # type: ignore[no-untyped-def]
    strict = create_app(env.settings.with_changes(allow_private_model_urls=False))
    user = SlackUser(strict.test_client(), env.slack)
    reply = register(user, env)
    assert "loopback or private" in reply and "ALLOW_PRIVATE_MODEL_URLS" in reply
    assert "169.254.169.254 is a link-local" in user.model(
        "add meta url=http://169.254.169.254/v1 model=m key=k"
    )
    with env.sessions()() as session:
        assert session.query(LlmModel).count() == 0


def test_private_model_url_refused_again_when_calling(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    strict = env.settings.with_changes(allow_private_model_urls=False)
    env.workers[0].stop()
    env.start_worker(strict, name="strict")
    task_id = task_id_in(ada.ask("qwen hello"))
    failed = wait_status(env, task_id, TaskStatus.FAILURE)
    assert "URL is not allowed" in (failed.error or "")
    assert env.llm.requests == []


def test_api_key_never_reaches_slack_pages_or_logs(env: Stack, ada: SlackUser, app) -> None:  # type: ignore[no-untyped-def]
    secret = "sk-leakcheck-0123456789"
    register(ada, env, key=secret)
    ada.model("show qwen")
    ada.command("/model", "list")
    env.llm.script("qwen-plus", status=401)
    task_id = task_id_in(ada.ask("qwen hi"))
    wait_status(env, task_id, TaskStatus.FAILURE)
    ada.model(f"edit qwen key={secret}x")
    seen = [str(c.params) for c in env.slack.calls()] + [str(r) for r in env.slack.responses]
    assert not any(secret in text for text in seen)
    for worker in env.workers:
        assert secret not in worker.log()
    with env.sessions()() as session:
        model = session.query(LlmModel).one()
        assert secret not in model.api_key_encrypted and model.api_key_hint == "sk-…789x"


def test_rotate_secret_key_with_fallbacks(env: Stack, ada: SlackUser) -> None:
    register(ada, env, key="sk-rotate-me-12345678")
    old, new = env.settings.secret_key, "a-brand-new-secret-key"
    child_env = {
        **os.environ,
        "DATABASE_URL": env.settings.database_url,
        "SECRET_KEY": new,
        "SECRET_KEY_FALLBACKS": "",
    }
    run = [sys.executable, "-m", "db", "rotate-keys"]
    refused = subprocess.run(run, cwd=ROOT, env=child_env, capture_output=True, text=True)
    assert refused.returncode == 1 and "could not decrypt: qwen" in refused.stderr
    child_env["SECRET_KEY_FALLBACKS"] = old
    done = subprocess.run(run, cwd=ROOT, env=child_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "re-encrypted 1 API key" in done.stdout
    with env.sessions()() as session:
        ciphertext = session.query(LlmModel).one().api_key_encrypted
    assert KeyBox(new).decrypt(ciphertext) == "sk-rotate-me-12345678"
    with pytest.raises(Exception, match="cannot be decrypted"):
        KeyBox(old).decrypt(ciphertext)


ODD_COMMANDS = [
    ("/ask", ""),
    ("/ask", "   "),
    ("/ask", "qwen"),
    ("/ask", "qwen \x00\x07\x1b[31m"),
    ("/ask", "nosuchmodel hello"),
    ("/ask", "<@U123|x> hello"),
    ("/ask", "qwen " + "x" * 32_001),
    ("/model", "add"),
    ("/model", "add ="),
    ("/model", "add qwen url"),
    ("/model", "add qwen url= model= key="),
    ("/model", "add qwen url=http:// model=m key=k"),
    ("/model", "add q\u200bwen url=http://x.example model=m key=k"),
    ("/model", "edit"),
    ("/model", "edit nosuch url=http://x.example"),
    ("/model", "edit qwen"),
    ("/model", "remove"),
    ("/model", "remove a b"),
    ("/model", "show"),
    ("/model", "test nosuch"),
    ("/model", "add x url=http://x.example model=m key=k maintainer=<@"),
    ("/model", "add x url=http://x.example model=m key=k maintainer=<@U1|"),
    ("/model", "add x url=http://x.example model=m key=k maintainer=@nobody"),
    ("/model", "'"),
    ("/model", "ADD"),
    ("/task", "show #"),
    ("/task", "show -1"),
    ("/task", "show 99999999999999999999999"),
    ("/task", "retry"),
    ("/task", "cancel 1 2"),
    ("/task", "web now"),
    ("/task", "list please"),
    ("/task", "\u0000"),
]


def test_every_odd_command_gets_a_short_answer_and_writes_nothing(
    env: Stack, ada: SlackUser
) -> None:
    for command, text in ODD_COMMANDS:
        response = ada.post_command(command, text)
        assert response.status_code == 200, (command, text, response.data)
        reply = response.get_json()
        assert reply["response_type"] == "ephemeral"
        assert reply["text"] and "Traceback" not in reply["text"], (command, text)
        assert len(reply["text"]) < 1500, (command, text)
        assert "Sorry, something went wrong" not in reply["text"], (command, text, reply)
    with env.sessions()() as session:
        assert session.query(LlmModel).count() == 0
        assert session.query(Task).count() == 0


def test_huge_prompt_is_refused_with_the_limit(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    reply = ada.ask("qwen " + "y" * 40_000)
    assert "40,000 characters" in reply and "32,000" in reply


def test_control_characters_are_dropped_from_prompts(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    task_id = task_id_in(ada.ask("qwen hello\x00\x1b world\nnext line"))
    assert task(env, task_id).prompt == "hello world\nnext line"


def test_removed_model_task_fails_with_a_reason(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.workers[0].stop()
    task_id = task_id_in(ada.ask("qwen hello"))
    ada.model("remove qwen")
    env.start_worker(name="after-remove")
    failed = wait_status(env, task_id, TaskStatus.FAILURE)
    assert failed.error == "The model `qwen` was removed before the task ran."
