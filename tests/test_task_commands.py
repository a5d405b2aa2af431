"""`/task`: list, show, retry, cancel and the sign-in link."""

from __future__ import annotations

import re

from db.models import TaskStatus
from tests.helpers import register, task, task_id_in, wait_status
from tests.stack import SlackUser, Stack


def test_list_and_show_my_tasks(env: Stack, ada: SlackUser, bob: SlackUser) -> None:
    assert "no tasks yet" in ada.task("list")
    register(ada, env)
    first = task_id_in(ada.ask("qwen first question"))
    second = task_id_in(ada.ask("qwen second question"))
    bobs = task_id_in(bob.ask("qwen bob's question"))
    for task_id in (first, second, bobs):
        wait_status(env, task_id)
    listed = ada.command("/task", "list")
    assert listed["text"].index(f"#{second}") < listed["text"].index(f"#{first}")
    assert f"#{bobs}" not in listed["text"] and "✅ done" in listed["text"]
    shown = ada.task(f"show #{first}")
    assert "first question" in shown and "Answer to: first question" in shown
    assert f"http://promptdesk.test/tasks/{first}" in shown


def test_bad_ids_and_verbs(env: Stack, ada: SlackUser) -> None:
    assert "no task #999" in ada.task("show 999")
    assert "is not a task number" in ada.task("show abc")
    assert "is not a task number" in ada.task("cancel 1e9")
    assert "`/task show <id>`" in ada.task("show")
    assert "no verb `explode`" in ada.task("explode")
    assert "/task list" in ada.task("")


def test_retry_creates_a_new_task_with_the_same_prompt(
    env: Stack, ada: SlackUser, bob: SlackUser
) -> None:
    register(ada, env)
    env.llm.script("qwen-plus", status=500, fail_times=10)
    first = task_id_in(ada.ask("qwen flaky"))
    wait_status(env, first, TaskStatus.FAILURE, timeout=40)
    env.llm.script("qwen-plus", text="fine now")
    assert "Only the person who asked" in bob.task(f"retry {first}")
    reply = ada.task(f"retry {first}")
    retried = task_id_in(reply.split("as", 1)[1])
    done = wait_status(env, retried)
    assert done.answer == "fine now" and done.retry_of_id == first and done.prompt == "flaky"


def test_cancel_a_running_task_stops_the_call(env: Stack, ada: SlackUser, bob: SlackUser) -> None:
    register(ada, env)
    env.llm.script("qwen-plus", text="word " * 200, chunk_size=5, chunk_delay=0.1)
    task_id = task_id_in(ada.ask("qwen write slowly"))
    wait_status(env, task_id, TaskStatus.RUNNING)
    env.slack.wait_for(lambda: bool(task(env, task_id).slack_answer_ts), timeout=10)
    assert "Only the person who asked" in bob.task(f"cancel {task_id}")
    assert "is cancelled" in ada.task(f"cancel {task_id}")

    def card_says_cancelled() -> bool:
        card = [m for m in env.slack.messages() if m["ts"] == task(env, task_id).slack_message_ts]
        return bool(card) and "🚫 cancelled" in card[0]["blocks"][0]["text"]["text"]

    env.slack.wait_for(card_says_cancelled, timeout=15)
    row = task(env, task_id)
    assert row.status is TaskStatus.CANCELLED
    assert len(row.answer or "") < len("word " * 200)
    assert "already ended" in ada.task(f"cancel {task_id}")


def test_web_link_signs_in_once(env: Stack, app, ada: SlackUser) -> None:  # type: ignore[no-untyped-def]
    reply = ada.task("web")
    link = reply.split("<", 1)[1].split("|", 1)[0]
    assert link.startswith("http://promptdesk.test/signin/")
    path = link.removeprefix("http://promptdesk.test")
    browser = app.test_client()
    assert browser.get("/tasks").status_code == 401
    page = browser.get(path)
    assert page.status_code == 200 and "Sign in as ada" in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert csrf is not None
    assert browser.post(path, data={"csrf_token": csrf.group(1)}).status_code == 302
    assert browser.get("/tasks").status_code == 200
    again = app.test_client().get(path)
    assert again.status_code >= 400 and "already used" in again.get_data(as_text=True)
