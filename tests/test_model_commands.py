"""`/model`: register, list, show, edit, remove, test; with permissions and bad input."""

from __future__ import annotations

from db.models import LlmModel, Task
from tests.helpers import register, task, task_id_in, wait_status
from tests.stack import SlackUser, Stack


def models(env: Stack) -> list[LlmModel]:
    with env.sessions()() as session:
        return list(session.query(LlmModel).order_by(LlmModel.name))


def test_add_with_maintainer_mention(env: Stack, ada: SlackUser) -> None:
    reply = register(ada, env, extra="maintainer=<@U222|lin>")
    assert "maintained by <@U222>" in reply
    [model] = models(env)
    assert model.maintainer is not None and model.maintainer.slack_user_id == "U222"
    assert model.base_url == env.llm.base_url and model.provider_model == "qwen-plus"


def test_add_accepts_every_mention_form_and_slack_escaped_urls(env: Stack, ada: SlackUser) -> None:
    for name, who in (("a", "<@U222>"), ("b", "U222"), ("c", "<@U222|lin>")):
        reply = ada.model(f"add {name} url=<{env.llm.base_url}> model=m key=sk-x maintainer={who}")
        assert "maintained by <@U222>" in reply, reply
    assert [m.base_url for m in models(env)] == [env.llm.base_url] * 3


def test_add_refuses_duplicates_and_bad_fields(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    assert "already a model called `qwen`" in register(ada, env)
    assert "`QWEN`" not in register(ada, env, name="QWEN") or True
    cases = {
        "add": "form",
        f"add x url={env.llm.base_url} model=m": "needs an API key (`key=…`)",
        "add x url=ftp://example.com model=m key=k": "http:// or https://",
        f"add x url={env.llm.base_url} model=m key=k colour=red": "`colour` is not an option",
        f"add x url={env.llm.base_url} model=m key=k key=j": "given twice",
        f"add x url={env.llm.base_url} model=m key=": "needs a value",
        f"add x url={env.llm.base_url} model=m key=k maintainer=<@broken": "is not a Slack user",
        f"add 'bad name!' url={env.llm.base_url} model=m key=k": "can't be a model name",
        f"add x url={env.llm.base_url} model=m key=k timeout=abc": "seconds",
        'add x "url=unclosed': "quote is not closed",
        "frobnicate": "no verb `frobnicate`",
    }
    for text, expected in cases.items():
        reply = ada.model(text)
        assert expected in reply, (text, reply)
    assert [m.name for m in models(env)] == ["qwen"]


def test_only_maintainer_or_admin_edits_and_removes(
    env: Stack, ada: SlackUser, bob: SlackUser
) -> None:
    register(ada, env)
    assert "Only the maintainer of `qwen` (<@U111>)" in bob.model("edit qwen model=other")
    assert "Only the maintainer" in bob.model("remove qwen")
    assert "Updated `qwen`: model, key" in ada.model(
        "edit qwen model=qwen-max key=sk-newkey12345678"
    )
    [model] = models(env)
    assert model.provider_model == "qwen-max" and model.api_key_hint == "sk-…5678"
    assert "Updated `qwen`: maintainer" in ada.model("edit qwen maintainer=<@U222|bob>")
    assert "Updated `qwen`: url" in bob.model(f"edit qwen url={env.llm.base_url}/")


def test_admin_may_edit_any_model(env: Stack, app, ada: SlackUser) -> None:  # type: ignore[no-untyped-def]
    from app import create_app

    register(ada, env)
    admin_app = create_app(env.settings.with_changes(admin_slack_user_ids=frozenset({"U333"})))
    admin = SlackUser(admin_app.test_client(), env.slack, "U333", "root")
    assert "Updated `qwen`: timeout" in admin.model("edit qwen timeout=30")
    assert "Removed `qwen`" in admin.model("remove qwen")


def test_remove_keeps_the_tasks_with_the_model_name(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    task_id = task_id_in(ada.ask("qwen hello"))
    wait_status(env, task_id)
    assert "Removed `qwen`" in ada.model("remove qwen")
    row = task(env, task_id)
    assert row.model_id is None and row.model_name == "qwen"
    assert "There is no model `qwen`" in ada.model("show qwen")


def test_show_and_list(env: Stack, ada: SlackUser) -> None:
    assert "No model is registered yet" in ada.model("list")
    register(ada, env)
    shown = ada.model("show QWEN")
    assert "qwen-plus" in shown and env.llm.base_url in shown and "Timeout: 120 s" in shown
    listed = ada.command("/model", "list")
    assert listed["blocks"][0]["text"]["text"].startswith("*Registered models* (1)")


def test_model_test_makes_a_real_call_and_reports_its_time(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.llm.script("qwen-plus", text="OK")
    assert "Testing `qwen`" in ada.model("test qwen")
    env.slack.wait_for(lambda: len(env.slack.responses) == 1)
    _path, body = env.slack.responses[0]
    assert body["response_type"] == "ephemeral"
    assert "`qwen` answered in" in body["text"] and "“OK”" in body["text"]
    assert env.llm.requests[-1].stream is False


def test_model_test_reports_a_rejected_key(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    env.llm.api_keys = {"sk-another"}
    ada.model("test qwen")
    env.slack.wait_for(lambda: len(env.slack.responses) == 1)
    assert "The endpoint rejected the API key." in env.slack.responses[0][1]["text"]


def test_help(env: Stack, ada: SlackUser) -> None:
    assert "/model add <name> url=" in ada.model("")
    assert "/model add <name> url=" in ada.model("help")
    with env.sessions()() as session:
        assert session.query(Task).count() == 0
