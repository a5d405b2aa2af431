"""Long mrkdwn splits into Slack-sized parts without losing or repeating text."""

from __future__ import annotations

import itertools
import random

import pytest

from tasks.splitting import (
    CLOSE_FENCE,
    REOPEN_FENCE,
    Span,
    split_message,
    split_spans,
    stable_prefix_parts,
)

SENTENCE = "This is one sentence of a long answer about deploying the service. "
PARAGRAPHS = "\n\n".join(f"{n}. {SENTENCE * 12}".strip() for n in range(20))
CODE_LINES = "\n".join(f"    value_{n} = compute({n}, **options)  # <step {n}>" for n in range(400))
HUGE_CODE = f"Here is the script:\n\n```\ndef main():\n{CODE_LINES}\n```\n\nRun it with care."


def assert_valid_split(text: str, limit: int) -> list[Span]:
    """Check every documented invariant of the split of text and return its spans."""
    spans = split_spans(text, limit)
    parts = split_message(text, limit)
    assert parts == [span.render(text) for span in spans]
    if not text.strip():
        assert parts == []
        return spans
    assert all(len(part) <= limit for part in parts)
    # Only a part resuming a code block can hold nothing but the block's blank lines.
    assert all(text[span.start : span.end].strip() or span.reopen for span in spans)
    assert spans[0].start == 0 and not spans[0].reopen and not spans[-1].close
    for before, after in itertools.pairwise(spans):
        separator = text[before.end : after.start]
        assert before.end <= after.start
        assert separator.strip() == ""
        assert before.close == after.reopen
        if before.close:
            assert "\n" not in separator or separator == "\n"
    assert text[spans[-1].end :].strip() == ""
    return spans


def rebuild(text: str, spans: list[Span]) -> str:
    """Join the bodies with the separators the split consumed."""
    pieces = []
    for index, span in enumerate(spans):
        pieces.append(text[span.start : span.end])
        following = spans[index + 1].start if index + 1 < len(spans) else len(text)
        pieces.append(text[span.end : following])
    return "".join(pieces)


def strip_added_fences(part: str, span: Span) -> str:
    """Return the body of a part without the fences the split added."""
    if span.reopen:
        assert part.startswith(REOPEN_FENCE)
        part = part[len(REOPEN_FENCE) :]
    if span.close:
        assert part.endswith(CLOSE_FENCE)
        part = part[: -len(CLOSE_FENCE)]
    return part


def test_short_text_is_one_part_unchanged() -> None:
    assert split_message("hello *world*\n") == ["hello *world*\n"]
    assert split_message("x" * 3900) == ["x" * 3900]


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \n"])
def test_blank_text_has_no_parts(text: str) -> None:
    assert split_message(text) == []
    assert stable_prefix_parts(text) == ([], "")


def test_small_limit_is_rejected() -> None:
    with pytest.raises(ValueError):
        split_message("text", limit=5)


def test_long_answer_splits_at_paragraphs() -> None:
    assert len(PARAGRAPHS) > 10_000
    parts = split_message(PARAGRAPHS)
    assert len(parts) == 5
    paragraphs = PARAGRAPHS.split("\n\n")
    assert "\n\n".join(parts) == PARAGRAPHS
    assert all(part.split("\n\n")[-1] in paragraphs for part in parts)
    assert all(len(part) <= 3900 for part in parts)


def test_line_breaks_are_used_when_there_are_no_paragraphs() -> None:
    text = "\n".join(f"• item {n}: {SENTENCE.strip()}" for n in range(100))
    parts = split_message(text, 1000)
    assert "\n".join(parts) == text
    assert all(part.startswith("• item ") for part in parts)


def test_indentation_after_a_line_break_is_kept() -> None:
    text = "• top\n" + "    ◦ nested item\n" * 10
    spans = assert_valid_split(text, 40)
    parts = split_message(text, 40)
    assert parts[1].startswith("    ◦ nested item")
    assert rebuild(text, spans) == text


def test_spaces_are_used_in_one_long_line() -> None:
    text = (SENTENCE * 200).strip()
    parts = split_message(text, 500)
    assert " ".join(parts) == text
    assert all(len(part) <= 500 and not part[-1].isspace() for part in parts)


def test_text_without_any_space_is_hard_split() -> None:
    text = "abcdefghij" * 1200
    parts = split_message(text)
    assert [len(part) for part in parts] == [3896, 3896, 3896, 312]
    assert "".join(parts) == text


def test_hard_split_does_not_break_entities() -> None:
    text = "&amp;" * 40
    parts = split_message(text, 32)
    assert "".join(parts) == text
    assert all(part.startswith("&amp;") and part.endswith(";") for part in parts)


def test_links_are_not_split_at_their_spaces() -> None:
    text = "word " * 5 + "<https://example.com|a link with many words in it> end"
    parts = split_message(text, 60)
    assert "<https://example.com|a link with many words in it>" in parts[1]


def test_code_block_is_kept_whole_when_it_fits() -> None:
    code = "```\n" + "x = 1\n" * 50 + "```"
    text = SENTENCE * 30 + "\n\n" + code + "\n\n" + SENTENCE * 30
    parts = split_message(text, 1000)
    assert len(parts) == 6
    assert parts[2].endswith("\n\n" + code)
    assert all(part.count("```") % 2 == 0 for part in parts)


def test_huge_code_block_is_closed_and_reopened() -> None:
    spans = assert_valid_split(HUGE_CODE, 3900)
    parts = split_message(HUGE_CODE, 3900)
    assert len(HUGE_CODE) > 10_000 and len(parts) == 7
    assert parts[0] == "Here is the script:"
    assert parts[1].startswith("```\ndef main():\n")
    for part in parts[1:-1]:
        assert part.endswith("\n```") and part.count("```") == 2
    for part in parts[2:]:
        assert part.startswith("```\n    value_")
    assert parts[-1].endswith("```\n\nRun it with care.")
    bodies = [strip_added_fences(part, span) for part, span in zip(parts, spans, strict=True)]
    code_bodies = bodies[1:]
    assert "\n".join(code_bodies) == HUGE_CODE[len("Here is the script:\n\n") :]


def test_no_loss_invariant_on_parts_alone() -> None:
    for text, limit in [(PARAGRAPHS, 3900), (HUGE_CODE, 3900), (HUGE_CODE, 700)]:
        spans = assert_valid_split(text, limit)
        assert rebuild(text, spans) == text
        bodies = [
            strip_added_fences(p, s) for p, s in zip(split_message(text, limit), spans, strict=True)
        ]
        assert [text[span.start : span.end] for span in spans] == bodies


TOKENS = [
    "alpha",
    "be",
    "c",
    "x" * 37,
    "```",
    "&amp;",
    "<https://a.io|link text>",
    "    indented",
    "`",
    "• item",
    "\t",
    "漢字",
]
GLUE = [" ", " ", "", "\n", "\n\n", "  \n   \n"]


def random_text(rng: random.Random) -> str:
    """Return random mrkdwn-like text with words, fences, links and all kinds of breaks."""
    return "".join(rng.choice(TOKENS) + rng.choice(GLUE) for _ in range(rng.randint(0, 120)))


def test_invariants_hold_on_random_text() -> None:
    rng = random.Random(7)
    for _ in range(1500):
        text = random_text(rng)
        limit = rng.randint(16, 150)
        spans = assert_valid_split(text, limit)
        assert rebuild(text, spans) == text or not text.strip()


def test_stable_parts_are_a_prefix_of_every_later_split() -> None:
    rng = random.Random(11)
    for _ in range(400):
        text = random_text(rng)
        limit = rng.randint(16, 120)
        final = split_message(text, limit)
        for cut in range(0, len(text) + 1, max(1, len(text) // 25)):
            prefix = text[:cut]
            stable, tail = stable_prefix_parts(prefix, limit)
            assert final[: len(stable)] == stable
            assert split_message(prefix, limit) == stable + ([tail] if tail else [])
            assert len(tail) <= limit


def test_streaming_a_long_answer_posts_each_part_once() -> None:
    text = PARAGRAPHS + "\n\n" + HUGE_CODE
    posted: list[str] = []
    for end in range(0, len(text) + 1, 97):
        stable, _tail = stable_prefix_parts(text[:end])
        assert stable[: len(posted)] == posted
        posted = stable
    stable, tail = stable_prefix_parts(text)
    assert stable[: len(posted)] == posted
    assert [*stable, tail] == split_message(text)
