"""Faults provoked for real: killed workers, Redis away, 429s, failing endpoints."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app import create_app
from db.models import Task, TaskStatus
from tests.helpers import answer_texts, card_of, register, task, task_id_in, wait_status
from tests.stack import SlackUser, Stack, free_port


def test_killed_worker_task_runs_again_and_posts_nothing_twice(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.workers[0].stop()
    victim = env.start_worker(name="victim")
    env.llm.script("qwen-plus", text="slow words " * 40, chunk_size=10, chunk_delay=0.1)
    task_id = task_id_in(ada.ask("qwen take your time"))
    env.slack.wait_for(lambda: bool(task(env, task_id).slack_answer_ts), timeout=15)
    victim.kill()
    env.llm.script("qwen-plus", text="the whole answer")
    env.start_worker(name="rescuer")
    done = wait_status(env, task_id, timeout=30)
    assert done.attempts == 2 and done.answer == "the whole answer"
    assert len(env.slack.top_level("C100")) == 1, "one task message"
    assert answer_texts(env, task_id) == ["the whole answer"], "one answer, edited in place"
    assert "✅ done" in card_of(env, task_id)["blocks"][0]["text"]["text"]


def test_task_that_keeps_killing_workers_ends_as_failure(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.workers[0].stop()
    env.llm.script("qwen-plus", hang=True)
    task_id = task_id_in(ada.ask("qwen poison"))
    for attempt in (1, 2, 3):
        worker = env.start_worker(name=f"doomed{attempt}")
        env.slack.wait_for(
            lambda a=attempt: (
                task(env, task_id).attempts == a and task(env, task_id).status is TaskStatus.RUNNING
            ),
            timeout=20,
        )
        worker.kill()
    env.start_worker(name="last")
    failed = wait_status(env, task_id, TaskStatus.FAILURE, timeout=30)
    assert "stopped its worker 3 times" in (failed.error or "")
    calls = [(c.method, c.params.get("ts"), c.at) for c in env.slack.calls()]
    assert len(env.slack.top_level("C100")) == 1, "\n".join(map(str, calls))
    assert "stopped its worker 3 times" in answer_texts(env, task_id)[-1]


@pytest.fixture()
def own_redis(tmp_path: Path) -> Iterator[tuple[str, callable]]:  # type: ignore[valid-type]
    """A Redis server of this test's own, which the test may stop and start again."""
    port = free_port()
    holder: dict[str, subprocess.Popen[bytes]] = {}

    def start() -> None:
        holder["p"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop() -> None:
        holder["p"].terminate()
        holder["p"].wait(timeout=10)

    start()
    yield f"redis://127.0.0.1:{port}/0", (start, stop)
    if holder["p"].poll() is None:
        stop()


def test_redis_down_at_ask_keeps_the_task_and_runs_it_when_back(
    env: Stack,
    own_redis: tuple[str, tuple],  # type: ignore[type-arg]
) -> None:
    url, (start_redis, stop_redis) = own_redis
    settings = env.settings.with_changes(redis_url=url)
    env.start_worker(settings, name="own-redis")
    user = SlackUser(create_app(settings).test_client(), env.slack)
    register(user, env)
    stop_redis()
    reply = user.ask("qwen are you there")
    assert "queue is out of reach" in reply and "start by itself" in reply
    task_id = task_id_in(reply)
    row = task(env, task_id)
    assert row.status is TaskStatus.PENDING and row.dispatched_at is None
    start_redis()
    done = wait_status(env, task_id, timeout=40)
    assert done.answer == "Answer to: are you there"
    assert len(env.slack.top_level("C100")) == 1


def test_slack_429_is_waited_out_and_nothing_is_dropped(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    task_id = task_id_in(ada.ask("qwen hello"))
    wait_status(env, task_id)
    env.slack.wait_for(lambda: answer_texts(env, task_id) == ["Answer to: hello"])
    assert len(env.slack.top_level("C100")) == 1
    assert sum(c.rate_limited for c in env.slack.calls("chat.postMessage")) == 2


def test_channel_closed_to_the_bot_answers_by_dm(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.slack.fail_channel("G777", "channel_not_found")
    task_id = task_id_in(ada.ask("qwen secret project", channel="G777"))
    done = wait_status(env, task_id)
    assert done.slack_channel_id == "G777" and done.slack_answer_channel_id == "DU111"
    assert answer_texts(env, task_id) == ["Answer to: secret project"]
    env.slack.wait_for(lambda: len(env.slack.responses) == 1)
    note = env.slack.responses[0][1]
    assert note["response_type"] == "ephemeral" and "direct message" in note["text"]


@pytest.mark.parametrize(
    ("behaviour", "expected_requests"),
    [
        ({"status": 429, "fail_times": 2, "retry_after": 0.2}, 3),
        ({"status": 503, "fail_times": 1}, 2),
        ({"drop_after_chars": 5, "fail_times": 1}, 2),
    ],
)
def test_transient_endpoint_failures_are_retried(
    env: Stack,
    ada: SlackUser,
    behaviour: dict,
    expected_requests: int,  # type: ignore[type-arg]
) -> None:
    register(ada, env)
    env.llm.script("qwen-plus", **behaviour)
    task_id = task_id_in(ada.ask("qwen hello"))
    done = wait_status(env, task_id, timeout=30)
    assert done.answer == "Answer to: hello"
    assert len(env.llm.requests) == expected_requests
    assert answer_texts(env, task_id) == ["Answer to: hello"]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (401, "The endpoint rejected the API key."),
        (403, "The endpoint rejected the API key."),
        (404, "Model `qwen-plus` not found at that endpoint."),
        (400, "The endpoint refused the request:"),
    ],
)
def test_permanent_endpoint_failures_fail_at_once(
    env: Stack, ada: SlackUser, status: int, reason: str
) -> None:
    register(ada, env)
    env.llm.script("qwen-plus", status=status)
    task_id = task_id_in(ada.ask("qwen hello"))
    failed = wait_status(env, task_id, TaskStatus.FAILURE)
    assert (failed.error or "").startswith(reason)
    assert len(env.llm.requests) == 1
    assert reason in answer_texts(env, task_id)[-1]


def test_hanging_endpoint_times_out_with_the_models_timeout(env: Stack, ada: SlackUser) -> None:
    register(ada, env, extra="timeout=2")
    env.llm.script("qwen-plus", hang=True)
    task_id = task_id_in(ada.ask("qwen hello"))
    failed = wait_status(env, task_id, TaskStatus.FAILURE, timeout=20)
    assert failed.error == "Timed out after 2 s."
    assert answer_texts(env, task_id) == [":x: *The task failed.* Timed out after 2 s."]


def test_slack_retry_of_a_command_creates_no_second_task(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    first = ada.ask("qwen once", trigger_id="trigger.same")
    again = ada.ask(
        "qwen once",
        trigger_id="trigger.same",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert task_id_in(first) == task_id_in(again) and "already created" in again
    wait_status(env, task_id_in(first))
    with env.sessions()() as session:
        assert session.query(Task).count() == 1


def test_worker_runs_at_lower_cpu_priority_than_the_web_process(env: Stack) -> None:
    worker = env.workers[0].process.pid
    assert os.getpriority(os.PRIO_PROCESS, worker) == env.settings.worker_nice == 10
