"""Markdown from prompts and model answers, turned into HTML that can never run script."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the text is shown as text (html=False); nh3 then keeps only these tags,
# whatever markdown-it produced, so a bug in either one alone lets nothing through.
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody",
    "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str | None) -> Markup:
    """Return sanitised HTML for a Markdown text."""
    html = _parser.render(text or "")
    return Markup(sanitize(html))


def sanitize(html: str) -> str:
    """Keep only harmless tags, attributes and link schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        # A relative link in a model's answer would point into this site: drop it.
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )
