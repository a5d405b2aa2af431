"""Reading slash-command text: words, `key=value` options, mentions and ids."""

from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass

from bot.errors import UserError

MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,20})(?:\|([^>]*))?>$")
BARE_USER_ID = re.compile(r"^@?([UW][A-Z0-9]{2,20})$")
SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Mention:
    """A Slack user named in a command."""

    user_id: str
    name: str | None


def clean_text(text: str) -> str:
    """Undo Slack's escaping of links and entities, and drop control characters."""
    text = SLACK_LINK.sub(lambda m: m.group(1), text)
    text = CONTROL_CHARACTERS.sub("", text)
    return html.unescape(text).replace("\r\n", "\n")


def split_words(text: str) -> list[str]:
    """Split a command's text into words, honouring quotes."""
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        raise UserError("A quote is not closed: check the `\"` and `'` in your command.") from None


def parse_options(words: list[str], allowed: tuple[str, ...], what: str) -> dict[str, str]:
    """Read `key=value` words; refuse anything else, unknown keys and repeated keys."""
    options: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip().lower()
        if not sep:
            raise UserError(
                f"I don't understand `{word}` here: {what} takes "
                + ", ".join(f"`{k}=…`" for k in allowed)
                + "."
            )
        if key not in allowed:
            raise UserError(
                f"`{key}` is not an option of {what}; use "
                + ", ".join(f"`{k}=…`" for k in allowed)
                + "."
            )
        if key in options:
            raise UserError(f"`{key}=` is given twice.")
        if not value.strip():
            raise UserError(f"`{key}=` needs a value, like `{key}=something`.")
        options[key] = value.strip()
    return options


def parse_mention(text: str) -> Mention:
    """Read `<@U123|name>`, `<@U123>`, `U123` or `@U123` into a Mention."""
    text = text.strip()
    match = MENTION.match(text)
    if match:
        return Mention(match.group(1), match.group(2) or None)
    match = BARE_USER_ID.match(text)
    if match:
        return Mention(match.group(1), None)
    raise UserError(
        f"`{text}` is not a Slack user: mention them as `@name` (pick them from the list "
        "Slack shows), or give their user id like `U012AB3CD`."
    )


def parse_task_id(text: str) -> int:
    """Read a task number such as `12` or `#12`."""
    raw = text.strip().lstrip("#")
    if not raw.isdigit() or len(raw) > 12:
        raise UserError(f"`{text}` is not a task number: write it like `12` or `#12`.")
    return int(raw)


def redact_keys(text: str) -> str:
    """Hide the value of any `key=` option, for logs."""
    return re.sub(r"(?i)\bkey=\S+", "key=…", text)
