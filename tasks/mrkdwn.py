"""Convert Markdown as LLMs write it (CommonMark/GFM style) into Slack mrkdwn.

The conversion is line based: fenced code blocks and GFM tables are recognised as blocks,
every other line is a heading, rule, quote, list item or paragraph line whose inline
Markdown (emphasis, code spans, links) is converted on its own. Whatever is not recognised
passes through, with Slack's control characters `&`, `<` and `>` escaped everywhere.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

HORIZONTAL_RULE = "─" * 10
BULLETS = ("•", "◦", "▪")
LEVEL_INDENT = "    "
CODE_FENCE = "```"

_FENCE_OPEN = re.compile(r"(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_HEADING = re.compile(r" {0,3}(?P<hashes>#{1,6})(?P<text>(?:[ \t].*)?)")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_QUOTE_MARKER = re.compile(r"[ \t]{0,3}>[ \t]?")
_BULLET_ITEM = re.compile(r"(?P<indent>[ \t]*)[-*+][ \t]+(?P<text>.*)")
_ORDERED_ITEM = re.compile(r"(?P<indent>[ \t]*)(?P<number>\d{1,9}[.)])[ \t]+(?P<text>.*)")
_TABLE_DELIMITER_CELL = re.compile(r":?-+:?")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_DELIMITER_RUN = re.compile(r"\*+|_+|~+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_INLINE = re.compile(
    r"\\(?P<escaped>[!-/:-@\[-`{-~])"
    r"|(?<!`)(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)"
    r"|<(?P<autolink>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>"
    r"|<(?P<email>[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+)>"
    r"|(?P<bang>!?)\[(?P<label>(?:[^\[\]\\]|\\.|\[[^\[\]\\]*\])*)\]"
    r"\([ \t]*(?P<dest><[^<>]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
    r"(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?[ \t]*\)"
    r"|(?<![\w/])(?P<url>https?://[^\s<>]+)"
)
_URL_TRAILING_PUNCTUATION = ".,:;!?'\"*_~)"

# Slack styles that Markdown emphasis maps to: strong, emphasis, strikethrough.
_STRONG, _EMPHASIS, _STRIKE = "*", "_", "~"


def to_mrkdwn(markdown: str) -> str:
    """Convert LLM-style Markdown into Slack mrkdwn."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    converter = _BlockConverter(lines)
    return "\n".join(converter.run())


def escape(text: str) -> str:
    """Escape Slack's control characters `&`, `<` and `>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _ListLevels:
    """Track the indentation of open list items to give each new item its nesting level."""

    def __init__(self) -> None:
        self._indents: list[int] = []

    def level(self, indent: str) -> int:
        """Return the 1-based nesting level of an item with this indentation."""
        width = len(indent.expandtabs(4))
        while self._indents and self._indents[-1] > width:
            self._indents.pop()
        if not self._indents or self._indents[-1] < width:
            self._indents.append(width)
        return len(self._indents)

    def reset(self) -> None:
        """Forget the open list, as after a paragraph or heading."""
        self._indents.clear()


class _BlockConverter:
    """Walk the lines once, converting code blocks, tables and single lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.lists = _ListLevels()
        self.quote_lists = _ListLevels()

    def run(self) -> list[str]:
        """Return the converted lines."""
        out: list[str] = []
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            fence = _FENCE_OPEN.fullmatch(line)
            if fence and not (fence["fence"][0] == "`" and "`" in fence["info"]):
                index = self._code_block(index, fence, out)
            elif _is_table_start(self.lines, index):
                self.lists.reset()
                index = self._table(index, out)
            else:
                out.append(self._line(line))
                index += 1
        return out

    def _code_block(self, start: int, fence: re.Match[str], out: list[str]) -> int:
        marker, indent = fence["fence"], len(fence["indent"])
        if indent == 0:
            self.lists.reset()
        out.append(CODE_FENCE)
        index = start + 1
        while index < len(self.lines):
            line = self.lines[index]
            index += 1
            if _closes_fence(line, marker):
                break
            out.append(escape(_dedent(line, indent)))
        out.append(CODE_FENCE)
        return index

    def _table(self, start: int, out: list[str]) -> int:
        header = _split_row(self.lines[start])
        alignments = [_alignment(cell) for cell in _split_row(self.lines[start + 1])]
        rows = [header]
        index = start + 2
        while index < len(self.lines) and "|" in self.lines[index] and self.lines[index].strip():
            cells = _split_row(self.lines[index])
            rows.append((cells + [""] * len(header))[: len(header)])
            index += 1
        out.append(CODE_FENCE)
        out.extend(escape(line) for line in _format_table(rows, alignments))
        out.append(CODE_FENCE)
        return index

    def _line(self, line: str) -> str:
        quoted = _QUOTE_MARKER.match(line)
        if quoted is None:
            self.quote_lists.reset()
            return _convert_line(line, self.lists)
        while quoted is not None:
            line = line[quoted.end() :]
            quoted = _QUOTE_MARKER.match(line)
        converted = _convert_line(line, self.quote_lists)
        return f"> {converted}" if converted else ">"


def _convert_line(line: str, lists: _ListLevels) -> str:
    """Convert one line that is not part of a code block or table."""
    if _RULE.fullmatch(line):
        lists.reset()
        return HORIZONTAL_RULE
    heading = _HEADING.fullmatch(line)
    if heading:
        lists.reset()
        return _heading(heading["text"])
    bullet = _BULLET_ITEM.fullmatch(line)
    if bullet:
        level = lists.level(bullet["indent"])
        marker = BULLETS[min(level, len(BULLETS)) - 1]
        return f"{LEVEL_INDENT * (level - 1)}{marker} {_inline(bullet['text'])}"
    ordered = _ORDERED_ITEM.fullmatch(line)
    if ordered:
        level = lists.level(ordered["indent"])
        return f"{LEVEL_INDENT * (level - 1)}{ordered['number']} {_inline(ordered['text'])}"
    if line[:1].strip():
        lists.reset()
    return _inline(line)


def _heading(text: str) -> str:
    text = text.strip()
    without_closing = text.rstrip("#")
    if not without_closing or without_closing[-1] in " \t":
        text = without_closing.strip()
    return f"*{_inline(text, bold=True)}*" if text else ""


def _closes_fence(line: str, marker: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(marker) and stripped == marker[0] * len(stripped)


def _dedent(line: str, width: int) -> str:
    removed = 0
    while removed < width and removed < len(line) and line[removed] in " \t":
        removed += 1
    return line[removed:]


def _is_table_start(lines: list[str], index: int) -> bool:
    if index + 1 >= len(lines) or "|" not in lines[index] or "|" not in lines[index + 1]:
        return False
    delimiter = _split_row(lines[index + 1])
    if not all(_TABLE_DELIMITER_CELL.fullmatch(cell) for cell in delimiter):
        return False
    return len(_split_row(lines[index])) == len(delimiter)


def _split_row(line: str) -> list[str]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip() for cell in _UNESCAPED_PIPE.split(row)]


def _alignment(delimiter: str) -> str:
    if delimiter.startswith(":") and delimiter.endswith(":") and len(delimiter) > 1:
        return "center"
    return "right" if delimiter.endswith(":") else "left"


def _format_table(rows: list[list[str]], alignments: list[str]) -> list[str]:
    """Render table rows as aligned monospace lines (not yet escaped)."""
    cells = [[_inline(cell, plain=True) for cell in row] for row in rows]
    widths = [
        max([1, *(_width(row[column]) for row in cells)]) for column in range(len(alignments))
    ]
    lines = [
        " | ".join(_pad(c, w, a) for c, w, a in zip(row, widths, alignments, strict=True))
        for row in cells
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return [line.rstrip() for line in lines]


def _width(text: str) -> int:
    """Return the monospace display width, counting wide East Asian characters twice."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _pad(text: str, width: int, alignment: str) -> str:
    gap = width - _width(text)
    if alignment == "right":
        return " " * gap + text
    if alignment == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _inline(text: str, *, plain: bool = False, bold: bool = False) -> str:
    """Convert inline Markdown; `plain` drops all markup, `bold` means already inside bold.

    Plain output is not escaped; Slack output is.
    """
    mark = _unused_char(text)
    if mark is None:
        return text if plain else escape(text)
    skeleton, tokens = _extract_tokens(text, mark, plain)
    body = _apply_emphasis(skeleton, plain=plain, bold=bold)
    if not plain:
        body = escape(body)
    pieces = body.split(mark)
    return pieces[0] + "".join(
        token + piece for token, piece in zip(tokens, pieces[1:], strict=True)
    )


def _unused_char(text: str) -> str | None:
    """Return a private-use character absent from text, to stand in for atomic tokens."""
    used = set(text)
    candidates = itertools.chain(range(0xE000, 0xF900), range(0xF0000, 0x10FFFE))
    return next((chr(code) for code in candidates if chr(code) not in used), None)


def _extract_tokens(text: str, mark: str, plain: bool) -> tuple[str, list[str]]:
    """Replace code spans, links and escapes with `mark`, returning their renderings in order."""
    pieces: list[str] = []
    tokens: list[str] = []
    pos = 0
    while (match := _INLINE.search(text, pos)) is not None:
        start, end = match.span()
        if match["url"] is not None:
            url = _trim_url(match["url"])
            end = start + len(url)
            tokens.append(url if plain else f"<{_encode_url(url)}>")
        else:
            tokens.append(_render_token(match, plain))
        pieces += [text[pos:start], mark]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), tokens


def _render_token(match: re.Match[str], plain: bool) -> str:
    if match["escaped"] is not None:
        return match["escaped"] if plain else escape(match["escaped"])
    if match["code"] is not None:
        return match["code"] if plain else f"`{escape(match['code'])}`"
    if match["autolink"] is not None:
        return match["autolink"] if plain else f"<{_encode_url(match['autolink'])}>"
    if match["email"] is not None:
        email = match["email"]
        return email if plain else f"<mailto:{_encode_url(email)}|{escape(email)}>"
    return _render_link(match["label"], match["dest"], plain)


def _render_link(raw_label: str, raw_dest: str, plain: bool) -> str:
    label = _inline(raw_label, plain=True).strip()
    dest = raw_dest[1:-1] if raw_dest.startswith("<") else raw_dest
    dest = _BACKSLASH_ESCAPE.sub(r"\1", dest).strip()
    if plain:
        return label or dest
    if not _SCHEME.match(dest):
        # Slack cannot link a relative or empty target, so only its text is kept.
        return escape(label or dest)
    if not label or label == dest:
        return f"<{_encode_url(dest)}>"
    return f"<{_encode_url(dest)}|{escape(label)}>"


def _trim_url(url: str) -> str:
    """Drop trailing punctuation that ends the sentence rather than the URL."""
    unmatched_closing = url.count(")") - url.count("(")
    end = len(url)
    while end > len("https://") and url[end - 1] in _URL_TRAILING_PUNCTUATION:
        if url[end - 1] == ")":
            if unmatched_closing <= 0:
                break
            unmatched_closing -= 1
        end -= 1
    return url[:end]


def _encode_url(url: str) -> str:
    """Make a URL safe inside Slack's `<url|text>` syntax."""
    url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
    return url.replace("|", "%7C").replace(" ", "%20")


@dataclass
class _Run:
    """A run of `*`, `_` or `~` that may open and/or close emphasis."""

    char: str
    start: int
    end: int
    can_open: bool
    can_close: bool
    remaining: int
    active: bool = True
    closing: list[tuple[str, bool]] = field(default_factory=list)
    opening: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Return the run's original length."""
        return self.end - self.start


def _apply_emphasis(text: str, *, plain: bool, bold: bool) -> str:
    """Turn matched emphasis delimiters into Slack markers, leaving unmatched ones literal."""
    runs = _find_runs(text)
    _match_runs(runs)
    depth = {_STRONG: int(bold), _EMPHASIS: 0, _STRIKE: 0}
    out: list[str] = []
    pos = 0
    for run in runs:
        out.append(text[pos : run.start])
        out.append(_render_tags(run.closing, depth, plain))
        out.append(run.char * run.remaining)
        out.append(_render_tags(run.opening, depth, plain))
        pos = run.end
    out.append(text[pos:])
    return "".join(out)


def _render_tags(tags: list[tuple[str, bool]], depth: dict[str, int], plain: bool) -> str:
    """Emit the markers for tags, dropping those nested inside the same style."""
    out: list[str] = []
    for style, opening in tags:
        if opening:
            depth[style] += 1
        else:
            depth[style] -= 1
        if depth[style] == int(opening) and not plain:
            out.append(style)
    return "".join(out)


def _find_runs(text: str) -> list[_Run]:
    """Find delimiter runs with the CommonMark flanking rules (line ends count as spaces)."""
    runs: list[_Run] = []
    for match in _DELIMITER_RUN.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        left = _left_flanking(before, after)
        right = _left_flanking(after, before)
        char = text[start]
        if char == "_":
            can_open = left and (not right or _is_punctuation(before))
            can_close = right and (not left or _is_punctuation(after))
        elif char == "~" and end - start > 2:
            can_open = can_close = False
        else:
            can_open, can_close = left, right
        if can_open or can_close:
            runs.append(_Run(char, start, end, can_open, can_close, end - start))
    return runs


def _left_flanking(before: str, after: str) -> bool:
    if after.isspace():
        return False
    return not _is_punctuation(after) or before.isspace() or _is_punctuation(before)


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _match_runs(runs: list[_Run]) -> None:
    """Pair openers with closers as CommonMark's "process emphasis" procedure does."""
    floors: dict[tuple[str, bool, int, int], int] = {}
    index = 0
    while index < len(runs):
        closer = runs[index]
        if not (closer.active and closer.can_close):
            index += 1
            continue
        key = (
            closer.char,
            closer.can_open,
            closer.length % 3,
            closer.length * (closer.char == "~"),
        )
        opener = _find_opener(runs, index, floors.get(key, -1))
        if opener is None:
            floors[key] = index - 1
            closer.active = closer.can_open
            index += 1
            continue
        _pair(runs, opener, index)
        if not closer.active:
            index += 1


def _find_opener(runs: list[_Run], closer_index: int, floor: int) -> int | None:
    closer = runs[closer_index]
    for index in range(closer_index - 1, floor, -1):
        opener = runs[index]
        same_kind = opener.char == closer.char and opener.active and opener.can_open
        if same_kind and _compatible(opener, closer):
            return index
    return None


def _compatible(opener: _Run, closer: _Run) -> bool:
    if opener.char == "~":
        return opener.length == closer.length
    both_ways = opener.can_close or closer.can_open
    total = opener.length + closer.length
    multiples = opener.length % 3 == 0 and closer.length % 3 == 0
    return not (both_ways and total % 3 == 0 and not multiples)


def _pair(runs: list[_Run], opener_index: int, closer_index: int) -> None:
    opener, closer = runs[opener_index], runs[closer_index]
    if opener.char == "~":
        count, style = opener.remaining, _STRIKE
    elif (
        min(opener.remaining, closer.remaining) >= 2
        and not opener.remaining == 3 == closer.remaining
    ):
        count, style = 2, _STRONG
    else:
        # `***x***` takes the emphasis first so that it renders as `*_x_*`.
        count, style = 1, _EMPHASIS
    opener.remaining -= count
    closer.remaining -= count
    opener.opening.insert(0, (style, True))
    closer.closing.append((style, False))
    for between in runs[opener_index + 1 : closer_index]:
        between.active = False
    opener.active = opener.remaining > 0
    closer.active = closer.remaining > 0
