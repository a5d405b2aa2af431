"""How the stand-in endpoint answers: after a delay, streamed in chunks, echo or long text."""

from __future__ import annotations

from tests.fakes.llm_server import FakeLLM

MAX_ANSWER_CHARS = 3500
_PARAGRAPH = (
    "The **release** of build {n} went well: `make test` passed, the migration ran in "
    "under a minute and nobody was paged. Next, see [the notes](https://example.com/{n}).\n\n"
    "- check the dashboards for item {n}\n- close the ticket once QA signs off\n\n"
)


def long_answer(chars: int) -> str:
    """Return a Markdown answer of about `chars` characters, the way models write them."""
    text, n = "", 1
    while len(text) < chars:
        text += _PARAGRAPH.format(n=n)
        n += 1
    return text[:chars].rstrip()


def scripted_text(answer_chars: int) -> str | None:
    """Return the fixed answer to script, or None to let FakeLLM echo each prompt."""
    return long_answer(answer_chars) if answer_chars > 0 else None


def script_endpoint(
    llm: FakeLLM, model: str, delay: float, chunk_size: int, chunk_delay: float, text: str | None
) -> None:
    """Make FakeLLM answer `model` after `delay`, streamed `chunk_size` characters at a time."""
    llm.script(model, text=text, delay=delay, chunk_size=chunk_size, chunk_delay=chunk_delay)
