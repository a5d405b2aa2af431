"""Markdown as LLMs write it converts to Slack mrkdwn."""

from __future__ import annotations

import random

import pytest

from tasks.mrkdwn import HORIZONTAL_RULE, to_mrkdwn

ANSWER = """\
# Getting Started with **FastAPI** ##

Here's a **quick overview** of how to set up a *simple* API & test it.

## Steps

1. Install the package:
   - Use `pip install fastapi`
   - Or use *poetry*:
     * `poetry add fastapi`
2. Create `main.py`:

```python
def handler(**kwargs):
    return "<html>" + a_b_c  # **not bold** & _not italic_
```

See [the docs](https://fastapi.tiangolo.com/?a=1&b=2) for more.

| Option | **Type** | Default |
|--------|:--------:|--------:|
| `host` | str | "0.0.0.0" |
| port | int | 8000 |

> **Note:** restart the server after changing `settings.py`.

---

That's it, ***happy coding***!"""

EXPECTED = """\
*Getting Started with FastAPI*

Here's a *quick overview* of how to set up a _simple_ API &amp; test it.

*Steps*

1. Install the package:
    ◦ Use `pip install fastapi`
    ◦ Or use _poetry_:
        ▪ `poetry add fastapi`
2. Create `main.py`:

```
def handler(**kwargs):
    return "&lt;html&gt;" + a_b_c  # **not bold** &amp; _not italic_
```

See <https://fastapi.tiangolo.com/?a=1&amp;b=2|the docs> for more.

```
Option | Type |   Default
-------+------+----------
host   | str  | "0.0.0.0"
port   | int  |      8000
```

> *Note:* restart the server after changing `settings.py`.

──────────

That's it, *_happy coding_*!"""


def test_typical_answer_converts_line_by_line() -> None:
    assert to_mrkdwn(ANSWER).splitlines() == EXPECTED.splitlines()


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**bold** and __bold__", "*bold* and *bold*"),
        ("*italic* and _italic_", "_italic_ and _italic_"),
        ("***both***", "*_both_*"),
        ("~~strike~~", "~strike~"),
        ("**bold with *italic* inside**", "*bold with _italic_ inside*"),
        ("**outer **inner** outer**", "*outer inner outer*"),
        ("snake_case_name and a_b_c", "snake_case_name and a_b_c"),
        ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24"),
        ("**unclosed bold", "**unclosed bold"),
        ("call f(**kwargs)", "call f(**kwargs)"),
        ("use `**kwargs` and `a_b_c`", "use `**kwargs` and `a_b_c`"),
        ("`<div>` & `a && b`", "`&lt;div&gt;` &amp; `a &amp;&amp; b`"),
        ("``code with ` tick``", "`code with ` tick`"),
        (r"\*literal\* and \_x\_", "*literal* and _x_"),
    ],
)
def test_emphasis_and_code_spans(markdown: str, expected: str) -> None:
    assert to_mrkdwn(markdown) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[text](https://example.com)", "<https://example.com|text>"),
        ("[**bold** `label`](https://x.io/a_b)", "<https://x.io/a_b|bold label>"),
        ("[a](https://w.org/wiki/Foo_(bar))", "<https://w.org/wiki/Foo_(bar)|a>"),
        ('[t](https://x.io "Title")', "<https://x.io|t>"),
        ("[t](<https://x.io/a b>)", "<https://x.io/a%20b|t>"),
        ("[https://x.io](https://x.io)", "<https://x.io>"),
        ("[a|b > c](https://x.io?q=a|b)", "<https://x.io?q=a%7Cb|a|b &gt; c>"),
        ("[relative](/docs/setup)", "relative"),
        ("![alt text](https://img.io/a.png)", "<https://img.io/a.png|alt text>"),
        ("![](https://img.io/a.png)", "<https://img.io/a.png>"),
        ("<https://example.com/a?b=1&c=2>", "<https://example.com/a?b=1&amp;c=2>"),
        ("mail <me@example.com>", "mail <mailto:me@example.com|me@example.com>"),
        ("see https://example.com/x_y_z.", "see <https://example.com/x_y_z>."),
        ("**[bold link](https://x.io)**", "*<https://x.io|bold link>*"),
        ("(see https://x.io/a)", "(see <https://x.io/a>)"),
    ],
)
def test_links(markdown: str, expected: str) -> None:
    assert to_mrkdwn(markdown) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Title", "*Title*"),
        ("###### Deep ###", "*Deep*"),
        ("## **Bold** heading with *it*", "*Bold heading with _it_*"),
        ("## C# tips", "*C# tips*"),
        ("#", ""),
        ("#hashtag", "#hashtag"),
        ("####### seven", "####### seven"),
        ("---", HORIZONTAL_RULE),
        ("***", HORIZONTAL_RULE),
        ("_ _ _", HORIZONTAL_RULE),
        ("> quoted **text**", "> quoted *text*"),
        (">", ">"),
        ("> > nested", "> nested"),
        ("a > b & c < d", "a &gt; b &amp; c &lt; d"),
        ("<!channel> <@U123>", "&lt;!channel&gt; &lt;@U123&gt;"),
        ("plain text, nothing to do", "plain text, nothing to do"),
    ],
)
def test_single_lines(markdown: str, expected: str) -> None:
    assert to_mrkdwn(markdown) == expected


def test_bullets_nest_by_indentation() -> None:
    markdown = "- one\n* two\n  + two.a\n    - two.a.i\n      - deeper\n- three"
    assert to_mrkdwn(markdown) == (
        "• one\n• two\n    ◦ two.a\n        ▪ two.a.i\n            ▪ deeper\n• three"
    )


def test_ordered_lists_keep_numbers_and_nest_bullets() -> None:
    markdown = "1. First\n   - detail\n\n2) Second\n10. Tenth"
    assert to_mrkdwn(markdown) == "1. First\n    ◦ detail\n\n2) Second\n10. Tenth"


def test_a_paragraph_ends_the_list() -> None:
    markdown = "- a\n    - b\nText.\n    - c"
    assert to_mrkdwn(markdown) == "• a\n    ◦ b\nText.\n• c"


def test_bullet_star_is_not_emphasis() -> None:
    assert to_mrkdwn("* item with *italic*") == "• item with _italic_"


def test_code_blocks_drop_the_language_and_are_escaped_only() -> None:
    markdown = "~~~js\nif (a < b && **c**) {}\n~~~\n````\n```\ninner\n````"
    assert to_mrkdwn(markdown) == (
        "```\nif (a &lt; b &amp;&amp; **c**) {}\n```\n```\n```\ninner\n```"
    )


def test_indented_fence_inside_a_list_is_dedented() -> None:
    markdown = "1. Run:\n   ```bash\n   echo *hi*\n     indented\n   ```\n2. Done"
    assert to_mrkdwn(markdown) == "1. Run:\n```\necho *hi*\n  indented\n```\n2. Done"


def test_unclosed_fence_runs_to_the_end_and_is_closed() -> None:
    assert to_mrkdwn("text\n```python\nx = 1") == "text\n```\nx = 1\n```"


def test_table_is_aligned_in_a_code_block() -> None:
    markdown = "\n".join(
        [
            "| a | right | center |",
            "| :-- | --: | :-: |",
            "| **long cell** | [x](https://x.io) | `mid` |",
            "| 1 \\| 2 |",
        ]
    )
    assert to_mrkdwn(markdown).split("\n") == [
        "```",
        "a         | right | center",
        "----------+-------+-------",
        "long cell |     x |  mid",
        "1 | 2     |       |",
        "```",
    ]


def test_table_escapes_control_characters_and_handles_wide_text() -> None:
    markdown = "| k | v |\n|---|---|\n| <a> & | 漢字 |\n| b | c |"
    assert to_mrkdwn(markdown).split("\n") == [
        "```",
        "k     | v",
        "------+-----",
        "&lt;a&gt; &amp; | 漢字",
        "b     | c",
        "```",
    ]


def test_pipe_text_without_delimiter_row_is_not_a_table() -> None:
    assert to_mrkdwn("a | b\nc | d") == "a | b\nc | d"


def test_crlf_line_endings() -> None:
    assert to_mrkdwn("# Hi\r\n\r\n**x**\r\n") == "*Hi*\n\n*x*\n"


def test_text_with_private_use_characters_survives() -> None:
    text = "\ue000 **b** `c` \ue001"
    assert to_mrkdwn(text) == "\ue000 *b* `c` \ue001"


FUZZ_ALPHABET = [
    *"ab _*~`#>-+|:[]()!<>&\\\n\t 1.",
    "```",
    "~~~",
    "**",
    "https://x.io/",
    "](",
    "\ue000",
    "é",
    "漢",
    "\r",
]


def test_random_input_never_raises() -> None:
    rng = random.Random(20240607)
    for _ in range(3000):
        length = rng.randint(0, 150)
        text = "".join(rng.choice(FUZZ_ALPHABET) for _ in range(length))
        assert isinstance(to_mrkdwn(text), str)


@pytest.mark.parametrize(
    "text",
    ["`" * 3000 + "a", "*a" * 3000, "[" * 3000, "[a](" * 2000, "> " * 3000, "*_~" * 2000],
)
def test_pathological_input_is_handled(text: str) -> None:
    assert isinstance(to_mrkdwn(text), str)
