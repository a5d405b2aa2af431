"""Split long Slack mrkdwn into parts that each fit one Slack message.

A split is a list of `Span`s over the text. Part i is its body ``text[start:end]``,
prefixed with "```\\n" when it resumes a code block cut by the previous split (`reopen`)
and suffixed with "\\n```" when it ends inside a code block that the next part resumes
(`close`). Invariants, for nonblank text:

* every part, added fences included, is at most `limit` characters;
* no loss, no repetition: ``text == body_0 + sep_1 + body_1 + ... + body_n-1 + sep_n``
  where every separator is whitespace only: the run at a cut outside code (less the next
  line's indentation, which stays in the next part), exactly "\\n" or a run of spaces at a
  cut inside code, "" at a hard cut, and for ``sep_n`` the trailing whitespace, dropped only
  when the last part would not fit with it;
* a text of at most `limit` characters is one part, the text itself; blank text is none;
* prefix stability: a part is final only once the rest of the text cannot fit one part,
  and its cut then depends only on the `limit` characters from its start and on whitespace
  runs that end before the text's last non-whitespace character, which appending cannot
  change. So with ``parts, tail = stable_prefix_parts(t)``: for any u, `parts` is a prefix
  of ``split_message(t + u)``, and ``split_message(t) == parts + [tail]`` (``[]`` if blank).

Cuts prefer, outside code blocks, a blank line, then a line break, then a space (not
inside a `<url|text>`); then, inside code blocks, a line break, then a space; and last a
hard cut. Code blocks are delimited by "```" wherever it appears, as Slack reads them.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

DEFAULT_LIMIT = 3900
MIN_LIMIT = 16
CODE_FENCE = "```"
REOPEN_FENCE = CODE_FENCE + "\n"
CLOSE_FENCE = "\n" + CODE_FENCE

_WHITESPACE_RUN = re.compile(r"\s+")
_FENCE = re.compile(re.escape(CODE_FENCE))

# Cut preferences, best last: splitting outside code always beats splitting inside it.
_HARD, _CODE_SPACE, _CODE_LINE, _SPACE, _LINE, _PARAGRAPH = range(6)


class Span(NamedTuple):
    """One part of a split: a slice of the text and the fences added around it."""

    start: int
    end: int
    reopen: bool
    close: bool

    def render(self, text: str) -> str:
        """Return this part of text as posted, with its added fences."""
        prefix = REOPEN_FENCE if self.reopen else ""
        suffix = CLOSE_FENCE if self.close else ""
        return prefix + text[self.start : self.end] + suffix


class _Cut(NamedTuple):
    rank: int
    end: int
    resume: int


def split_message(text: str, limit: int = DEFAULT_LIMIT) -> list[str]:
    """Split text into parts of at most `limit` characters, to post as consecutive messages."""
    return [span.render(text) for span in split_spans(text, limit)]


def split_spans(text: str, limit: int = DEFAULT_LIMIT) -> list[Span]:
    """Return the spans that `split_message` renders into parts."""
    spans, last = _plan(text, limit)
    return spans if last is None else [*spans, last]


def stable_prefix_parts(text: str, limit: int = DEFAULT_LIMIT) -> tuple[list[str], str]:
    """Return the parts that appending text can no longer change, and the remaining tail.

    The tail is the last part `split_message` would give now ("" for blank text); it may
    still change, and be split further, as text is appended.
    """
    spans, last = _plan(text, limit)
    parts = [span.render(text) for span in spans]
    return parts, "" if last is None else last.render(text)


def _plan(text: str, limit: int) -> tuple[list[Span], Span | None]:
    """Return the final spans of text and the last span, which may still change."""
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}, got {limit}")
    content_end = len(text.rstrip())
    if content_end == 0:
        return [], None
    fences = [match.start() for match in _FENCE.finditer(text)]
    spans: list[Span] = []
    pos, in_code = 0, False
    while True:
        reopen_length = len(REOPEN_FENCE) if in_code else 0
        if reopen_length + content_end - pos <= limit:
            break
        budget = limit - reopen_length - len(CLOSE_FENCE)
        cut = _choose_cut(text, pos, budget, fences)
        closes = _in_code(fences, cut.end)
        spans.append(Span(pos, cut.end, in_code, closes))
        pos, in_code = cut.resume, closes
    end = len(text) if reopen_length + len(text) - pos <= limit else content_end
    return spans, Span(pos, end, in_code, False)


def _in_code(fences: list[int], index: int) -> bool:
    """Tell whether index lies inside a code block, counting the fences that start before it."""
    return bisect.bisect_left(fences, index) % 2 == 1


def _choose_cut(text: str, pos: int, budget: int, fences: list[int]) -> _Cut:
    """Pick where the part starting at pos ends: the best-ranked, then latest, cut."""
    window_end = pos + budget
    best: _Cut | None = None
    for run in _WHITESPACE_RUN.finditer(text, pos):
        if run.start() > window_end:
            break
        if best is not None and best.rank > _SPACE and "\n" not in run.group():
            continue  # a run without a line break cannot beat a line break already found
        if _in_code(fences, run.start()):
            cut = _code_cut(text, pos, run, window_end)
        else:
            cut = _prose_cut(text, pos, run)
        if cut is not None and (best is None or cut > best):
            best = cut
    return best or _hard_cut(text, pos, window_end)


def _prose_cut(text: str, pos: int, run: re.Match[str]) -> _Cut | None:
    """Cut at a whitespace run outside code, keeping the next line's indentation."""
    start, end = run.span()
    if start == pos:
        return None
    newlines = text.count("\n", start, end)
    if newlines == 0:
        return None if _inside_link(text, start) else _Cut(_SPACE, start, end)
    resume = text.rfind("\n", start, end) + 1
    return _Cut(_PARAGRAPH if newlines > 1 else _LINE, start, resume)


def _code_cut(text: str, pos: int, run: re.Match[str], window_end: int) -> _Cut | None:
    """Cut inside code at the last line break in reach, else at a run of spaces."""
    start, end = run.span()
    newline = text.rfind("\n", max(start, pos + 1), min(end, window_end + 1))
    if newline != -1:
        return _Cut(_CODE_LINE, newline, newline + 1)
    if start > pos and "\n" not in text[start:end]:
        return _Cut(_CODE_SPACE, start, end)
    return None


def _inside_link(text: str, index: int) -> bool:
    """Tell whether index falls inside a `<url|text>` on its line."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.rfind("<", line_start, index) > text.rfind(">", line_start, index)


def _hard_cut(text: str, pos: int, end: int) -> _Cut:
    """Cut at end, moved back so as not to break an `&amp;` entity or a "```" fence."""
    ampersand = text.rfind("&", max(pos + 1, end - 4), end)
    if ampersand != -1 and ";" not in text[ampersand:end]:
        end = ampersand
    while end > pos + 1 and text[end - 1] == "`" and text[end] == "`":
        end -= 1
    return _Cut(_HARD, end, end)
