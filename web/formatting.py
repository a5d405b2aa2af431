"""Template filters: how times, durations, counts and long text read on the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint
from markupsafe import Markup, escape

from db.models import Task
from web.markdown import render_markdown

MISSING = "—"
PROMPT_PREVIEW_LENGTH = 80
CODE_SPAN = re.compile(r"`([^`]+)`")
SLACK_REDIRECT = "https://slack.com/app_redirect"


def register(bp: Blueprint) -> None:
    """Make the filters available to every template."""
    bp.add_app_template_filter(utc, "utc")
    bp.add_app_template_filter(iso, "iso")
    bp.add_app_template_filter(duration, "duration")
    bp.add_app_template_filter(shorten, "shorten")
    bp.add_app_template_filter(number, "number")
    bp.add_app_template_filter(display_url, "display_url")
    bp.add_app_template_filter(code_spans, "code_spans")
    bp.add_app_template_filter(render_markdown, "markdown")
    bp.add_app_template_filter(slack_thread_url, "slack_thread_url")
    bp.add_app_template_filter(stamp, "stamp")


def utc(moment: datetime | None) -> str:
    """Show a time in UTC as YYYY-MM-DD HH:MM."""
    if moment is None:
        return MISSING
    return _as_utc(moment).strftime("%Y-%m-%d %H:%M")


def iso(moment: datetime | None) -> str:
    """Show a time in UTC to the second, for tooltips."""
    if moment is None:
        return ""
    return _as_utc(moment).isoformat(sep=" ", timespec="seconds")


def duration(seconds: float | None) -> str:
    """Show a duration the way a person says it: 0.8 s, 42 s, 3 min 05 s, 1 h 02 min."""
    if seconds is None:
        return MISSING
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def shorten(text: str | None, width: int = PROMPT_PREVIEW_LENGTH) -> str:
    """Put text on one line and cut it to a width, marking the cut with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    return flat[: width - 1].rstrip() + "…"


def number(value: int | None) -> str:
    """Show a count with thousands separators."""
    return MISSING if value is None else f"{value:,}"


def display_url(url: str) -> str:
    """Show a URL without any user name or password written into it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


def code_spans(text: str) -> Markup:
    """Escape a message and show its `backticked` words as code (db/ writes them for Slack)."""
    return Markup(CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


def slack_thread_url(task: Task) -> str | None:
    """Return a link that opens a task's message in Slack, when it was posted there."""
    if not task.slack_channel_id or not task.slack_message_ts:
        return None
    query = urlencode({"channel": task.slack_channel_id, "message_ts": task.slack_message_ts})
    return f"{SLACK_REDIRECT}?{query}"


def stamp(moment: datetime | None) -> str:
    """Return a time as seconds since the epoch, "0" for none (pages compare these)."""
    return "0" if moment is None else f"{_as_utc(moment).timestamp():.6f}"


def _as_utc(moment: datetime) -> datetime:
    # Naive times in the database are UTC already (see db.models.UTCDateTime).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
