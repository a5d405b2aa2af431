"""The product path: register a model, ask it, see the answer in the thread."""

from __future__ import annotations

from db.models import LlmModel, Person, TaskStatus
from tests.helpers import answer_texts, card_of, register, task, task_id_in, wait_status
from tests.stack import SlackUser, Stack


def test_ask_posts_task_message_and_answer_in_its_thread(env: Stack, ada: SlackUser) -> None:
    assert "Registered `qwen`" in register(ada, env)
    env.llm.script("qwen-plus", text="## Notes\n\nThe **release** went well.")

    reply = ada.ask("qwen Summarise our release notes")
    task_id = task_id_in(reply)
    assert "queued" in reply

    done = wait_status(env, task_id)
    card = card_of(env, task_id)
    assert card["channel"] == "C100" and card.get("thread_ts") is None
    assert f"Task #{task_id}" in card["text"] and "<@U111>" in card["text"]
    assert "qwen" in card["text"] and "Summarise our release notes" in card["text"]
    assert "✅ done" in card["blocks"][0]["text"]["text"]
    assert answer_texts(env, task_id) == ["*Notes*\n\nThe *release* went well."]
    assert done.answer == "## Notes\n\nThe **release** went well."
    assert done.slack_answer_ts and done.slack_channel_id == "C100"
    assert done.total_tokens and done.started_at and done.finished_at
    request = env.llm.requests[-1]
    assert request.api_key == "sk-test-1234567890abcd" and request.stream
    assert request.model == "qwen-plus"


def test_person_gets_real_name_from_slack(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    task_id = task_id_in(ada.ask("qwen hi"))
    wait_status(env, task_id)

    def named() -> bool:
        creator = task(env, task_id).creator
        return creator is not None and creator.name == "Ada Lovelace"

    env.slack.wait_for(named)
    assert len(env.slack.calls("users.info")) == 1
    task_id = task_id_in(ada.ask("qwen again"))
    wait_status(env, task_id)
    assert len(env.slack.calls("users.info")) == 1, "the name is cached"


def test_person_keeps_slack_user_name_when_users_info_fails(env: Stack, app) -> None:  # type: ignore[no-untyped-def]
    stranger = SlackUser(app.test_client(), env.slack, "U999", "stranger")
    register(stranger, env)
    with env.sessions()() as session:
        person = session.query(Person).filter_by(slack_user_id="U999").one()
        assert person.name == "stranger" and person.slack_team_id == "T1"


def test_unknown_model_lists_the_known_ones(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    register(ada, env, name="deepseek")
    reply = ada.ask("gpt9 hello")
    assert "There is no model `gpt9`" in reply and "`deepseek`, `qwen`" in reply


def test_ask_with_no_models_says_how_to_add_one(env: Stack, ada: SlackUser) -> None:
    assert "/model add" in ada.ask("qwen hello")


def test_failure_is_told_in_the_thread_in_plain_words(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.llm.api_keys = {"sk-the-right-key-000"}
    task_id = task_id_in(ada.ask("qwen hello"))
    failed = wait_status(env, task_id, TaskStatus.FAILURE)
    assert failed.error == "The endpoint rejected the API key."
    assert answer_texts(env, task_id) == [
        ":x: *The task failed.* The endpoint rejected the API key."
    ]
    assert "❌ failed" in card_of(env, task_id)["blocks"][0]["text"]["text"]


def test_api_key_is_stored_encrypted_and_shown_masked(env: Stack, ada: SlackUser) -> None:
    register(ada, env, key="sk-supersecretvalue9876")
    shown = ada.model("show qwen")
    assert "sk-…9876" in shown and "supersecret" not in shown
    listed = ada.command("/model", "list")
    assert "supersecret" not in str(listed) and "sk-…9876" in str(listed)
    with env.sessions()() as session:
        model = session.query(LlmModel).one()
        assert "supersecret" not in model.api_key_encrypted
        assert model.maintainer is not None and model.maintainer.slack_user_id == "U111"


def test_task_started_on_the_web_runs_on_the_worker_and_shows_its_answer(
    env: Stack, ada: SlackUser, app
) -> None:  # type: ignore[no-untyped-def]
    import re

    register(ada, env)
    env.llm.script("qwen-plus", text="**Bold** answer from the web")
    link = ada.task("web").split("<", 1)[1].split("|", 1)[0]
    path = link.removeprefix(env.settings.public_url)
    browser = app.test_client()
    page = browser.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    browser.post(path, data={"csrf_token": csrf.group(1)})
    form = browser.get("/tasks/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    model_id = re.search(r'<option value="(\d+)"[^>]*>qwen', form)
    assert token is not None and model_id is not None
    posted = browser.post(
        "/tasks/new",
        data={"csrf_token": token.group(1), "model": model_id.group(1), "prompt": "from the web"},
    )
    assert posted.status_code == 302
    task_id = int(posted.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    done = wait_status(env, task_id)
    assert done.answer == "**Bold** answer from the web" and done.slack_channel_id is None
    shown = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "<strong>Bold</strong> answer from the web" in shown
    assert not [m for m in env.slack.messages() if "from the web" in m.get("text", "")]
