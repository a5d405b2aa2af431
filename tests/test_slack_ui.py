"""The Slack side people see: buttons, the model form, the Home tab, help."""

from __future__ import annotations

from typing import Any

from db.models import LlmModel, TaskStatus
from tests.helpers import card_of, register, task, task_id_in, wait_status
from tests.stack import SlackUser, Stack


def modal_submission(env: Stack, model_id: str = "", **values: str) -> dict[str, Any]:
    state = {
        block: {"value": {"type": "plain_text_input", "value": value}}
        for block, value in values.items()
        if block != "maintainer"
    }
    if "maintainer" in values:
        state["maintainer"] = {
            "value": {"type": "users_select", "selected_user": values["maintainer"]}
        }
    return {
        "type": "view_submission",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "model_modal",
            "private_metadata": model_id,
            "state": {"values": state},
        },
    }


def test_model_add_without_arguments_opens_the_form(env: Stack, ada: SlackUser) -> None:
    assert "Opening the form" in ada.model("add")
    [call] = env.slack.calls("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "model_modal" and view["type"] == "modal"
    assert [b["block_id"] for b in view["blocks"]] == ["name", "url", "model", "key", "maintainer"]
    assert view["blocks"][4]["element"]["type"] == "users_select"


def test_model_form_shows_errors_next_to_fields_then_saves(env: Stack, ada: SlackUser) -> None:
    bad = ada.interact(
        modal_submission(
            env, name="qwen", url="ftp://nope", model="qwen-plus", key="sk-form-123456789"
        )
    )
    assert bad.status_code == 200
    assert bad.get_json()["response_action"] == "errors"
    assert "http:// or https://" in bad.get_json()["errors"]["url"]
    missing = ada.interact(modal_submission(env, name="qwen", url=env.llm.base_url, model="m"))
    assert "API key" in missing.get_json()["errors"]["key"]
    good = ada.interact(
        modal_submission(
            env,
            name="qwen",
            url=env.llm.base_url,
            model="qwen-plus",
            key="sk-form-123456789",
            maintainer="U222",
        )
    )
    assert good.status_code == 200 and not good.data
    with env.sessions()() as session:
        model = session.query(LlmModel).one()
        assert model.maintainer.slack_user_id == "U222" and model.api_key_hint == "sk-…6789"
    env.slack.wait_for(
        lambda: any("Saved model `qwen`" in m["text"] for m in env.slack.messages("DU111"))
    )


def test_edit_button_opens_the_filled_form_for_the_maintainer_only(
    env: Stack, ada: SlackUser, bob: SlackUser
) -> None:
    register(ada, env)
    listed = ada.command("/model", "list")
    button = listed["blocks"][2]["accessory"]
    assert button["action_id"] == "model_edit" and button["text"]["text"] == "Edit"
    assert ada.click("model_edit", button["value"]).status_code == 200
    [call] = env.slack.calls("views.open")
    blocks = {b["block_id"]: b for b in call.params["view"]["blocks"]}
    assert blocks["name"]["element"]["initial_value"] == "qwen"
    assert blocks["url"]["element"]["initial_value"] == env.llm.base_url
    assert "initial_value" not in blocks["key"]["element"], "the key is never sent back"
    assert call.params["view"]["private_metadata"] == button["value"]
    bob.click("model_edit", button["value"])
    env.slack.wait_for(
        lambda: any("Only the maintainer" in r[1].get("text", "") for r in env.slack.responses)
    )
    assert len(env.slack.calls("views.open")) == 1
    saved = ada.interact(
        modal_submission(
            env, model_id=button["value"], name="qwen", url=env.llm.base_url, model="qwen-max"
        )
    )
    assert saved.status_code == 200
    with env.sessions()() as session:
        model = session.query(LlmModel).one()
        assert model.provider_model == "qwen-max" and model.api_key_hint == "sk-…abcd"


def test_cancel_and_retry_buttons_on_the_task_message(
    env: Stack, ada: SlackUser, bob: SlackUser
) -> None:
    register(ada, env)
    env.llm.script("qwen-plus", text="word " * 100, chunk_size=5, chunk_delay=0.1)
    task_id = task_id_in(ada.ask("qwen long one"))
    wait_status(env, task_id, TaskStatus.RUNNING)
    env.slack.wait_for(lambda: bool(task(env, task_id).slack_message_ts))
    card = card_of(env, task_id)
    [cancel] = [e for e in card["blocks"][-1]["elements"] if e["action_id"] == "task_cancel"]
    bob.click("task_cancel", cancel["value"])
    ada.click("task_cancel", cancel["value"])
    wait_status(env, task_id, TaskStatus.CANCELLED)
    texts = [body.get("text", "") for _path, body in env.slack.responses]
    assert any("Only the person who asked" in t for t in texts)
    assert any("is cancelled" in t for t in texts)
    card = card_of(env, task_id)
    [retry] = [e for e in card["blocks"][-1]["elements"] if e["action_id"] == "task_retry"]
    env.llm.script("qwen-plus", text="short")
    ada.click("task_retry", retry["value"])
    env.slack.wait_for(
        lambda: any("Retrying #" in b.get("text", "") for _p, b in env.slack.responses)
    )
    with env.sessions()() as session:
        from db.models import Task

        retried = session.query(Task).filter(Task.retry_of_id == task_id).one()
    assert wait_status(env, retried.id).answer == "short"


def test_task_message_has_status_context_and_buttons(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    task_id = task_id_in(ada.ask("qwen hello"))
    wait_status(env, task_id)
    blocks = card_of(env, task_id)["blocks"]
    assert blocks[0]["text"]["text"].startswith(f"*Task #{task_id}* · ✅ done")
    assert "*Asked by:* <@U111>" in blocks[0]["text"]["text"]
    assert blocks[1]["text"]["text"] == "> hello"
    context = blocks[2]["elements"][0]["text"]
    assert "took" in context and "tokens" in context
    actions = [e["action_id"] for e in blocks[3]["elements"]]
    assert actions == ["task_retry", "task_open_web"]


def test_home_tab_shows_my_tasks_and_the_models(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    task_id = task_id_in(ada.ask("qwen what is new"))
    wait_status(env, task_id)
    assert (
        ada.event({"type": "app_home_opened", "tab": "home", "channel": "DU111"}).status_code == 200
    )
    env.slack.wait_for(lambda: bool(env.slack.calls("views.publish")))
    call = env.slack.calls("views.publish")[0]
    assert call.params["user_id"] == "U111"
    text = str(call.params["view"])
    assert f"*#{task_id}* ✅ done" in text and "what is new" in text and "`qwen`" in text
    actions = [e["action_id"] for e in call.params["view"]["blocks"][1]["elements"]]
    assert actions == ["model_add", "home_sign_in", "home_open_web"]
    ada.click("home_sign_in", "")
    env.slack.wait_for(
        lambda: any("Sign in to promptdesk" in m["text"] for m in env.slack.messages("DU111"))
    )


def test_help_explains_each_command(env: Stack, ada: SlackUser) -> None:
    assert "/ask qwen Summarise" in ada.ask("help")
    assert "/ask <model> <prompt…>" in ada.ask("")
    assert "Example: `/model add qwen" in ada.model("help")
    assert "/task web" in ada.task("help")
