"""Answers appear while the model writes them, throttled, and long ones are split."""

from __future__ import annotations

from tasks.mrkdwn import to_mrkdwn
from tasks.runner import AnswerStreamer
from tasks.splitting import split_message
from tests.helpers import answer_texts, card_of, register, task, task_id_in, wait_status
from tests.stack import SlackUser, Stack


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_streamer_shows_first_text_soon_then_at_most_once_a_second() -> None:
    clock, shown = FakeClock(), []
    streamer = AnswerStreamer(shown.append, clock)
    for step in range(31):
        clock.now = step / 10
        streamer.offer(f"text at {clock.now:.1f}")
    assert shown == ["text at 0.5", "text at 1.5", "text at 2.5"]
    assert streamer.latest == "text at 3.0"


def test_answer_is_shown_while_the_model_writes(env: Stack, ada: SlackUser) -> None:
    register(ada, env)
    answer = " ".join(f"word{i}" for i in range(120))
    env.llm.script("qwen-plus", text=answer, chunk_size=20, chunk_delay=0.05)
    task_id = task_id_in(ada.ask("qwen stream please"))
    wait_status(env, task_id)
    reply_ts = task(env, task_id).slack_answer_ts
    posts = [c for c in env.slack.calls("chat.postMessage") if c.params.get("thread_ts")]
    edits = [c for c in env.slack.calls("chat.update") if c.params.get("ts") == reply_ts]
    assert len(posts) == 1, "one reply, edited as the text grows"
    first_text = posts[0].params["text"]
    assert answer.startswith(first_text) and len(first_text) < len(answer)
    assert edits[-1].params["text"] == answer
    assert len(edits) <= 6, "edits are throttled to about one a second"
    assert answer_texts(env, task_id) == [answer]


def test_long_answer_continues_in_further_replies_without_losing_text(
    env: Stack, ada: SlackUser
) -> None:
    register(ada, env)
    paragraphs = [f"Paragraph {i}: " + "lorem ipsum dolor sit amet " * 12 for i in range(30)]
    code = "```python\n" + "\n".join(f"print({i})  # **not bold**" for i in range(200)) + "\n```"
    answer = "\n\n".join([*paragraphs[:15], code, *paragraphs[15:]])
    env.llm.script("qwen-plus", text=answer, chunk_size=400)
    task_id = task_id_in(ada.ask("qwen write a lot"))
    wait_status(env, task_id)
    texts = answer_texts(env, task_id)
    assert texts == split_message(to_mrkdwn(answer), 3900)
    assert len(texts) >= 4 and all(len(t) <= 3900 for t in texts)
    assert all(t.count("```") % 2 == 0 for t in texts), "code blocks are closed in each part"
    joined = " ".join(" ".join(t.replace("```", " ").split()) for t in texts)
    for i in range(30):
        assert joined.count(f"Paragraph {i}:") == 1
    for i in range(200):
        assert joined.count(f"print({i})") == 1
    assert "**not bold**" in joined, "code is left as written"
    assert len(card_of(env, task_id)) > 0
