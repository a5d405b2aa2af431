"""Read the task list's query string (filters and page) without ever failing on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from db.models import TaskStatus
from db.queries import TaskFilter
from web import messages

MAX_ID = 2**63 - 1  # the largest id a database integer column holds
MAX_PAGE = 1_000_000
MAX_SEARCH_LENGTH = 200
MAX_MODEL_NAME_LENGTH = 64


@dataclass(frozen=True)
class TaskQuery:
    """What the person asked the task list to show, and what we could not understand."""

    filters: TaskFilter = field(default_factory=TaskFilter)
    page: int = 1
    notices: list[str] = field(default_factory=list)

    @property
    def is_filtered(self) -> bool:
        """Tell whether any filter narrows the list."""
        return self.filters != TaskFilter()

    def link_args(self) -> dict[str, str]:
        """Return the query-string arguments that keep these filters in a link."""
        args = {
            "status": self.filters.status.value if self.filters.status else "",
            "model": self.filters.model_name or "",
            "creator": str(self.filters.creator_id or ""),
            "q": self.filters.text or "",
        }
        return {name: value for name, value in args.items() if value}


def parse_task_query(args: Mapping[str, str]) -> TaskQuery:
    """Turn the query string into filters and a page, noting values that were ignored."""
    notices: list[str] = []
    filters = TaskFilter(
        status=_status(args.get("status", ""), notices),
        model_name=_clean(args.get("model", ""))[:MAX_MODEL_NAME_LENGTH] or None,
        creator_id=_creator(args.get("creator", ""), notices),
        text=_search_text(args.get("q", ""), notices),
    )
    return TaskQuery(filters, _page(args.get("page", ""), notices), notices)


def parse_id(raw: str) -> int | None:
    """Return a positive database id written in ASCII digits, or None."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def _clean(raw: str) -> str:
    # PostgreSQL refuses NUL characters in text; nobody types one on purpose.
    return raw.replace("\x00", "").strip()


def _status(raw: str, notices: list[str]) -> TaskStatus | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return TaskStatus(raw.upper())
    except ValueError:
        notices.append(messages.UNKNOWN_STATUS.format(value=raw[:40]))
        return None


def _creator(raw: str, notices: list[str]) -> int | None:
    if not raw.strip():
        return None
    creator_id = parse_id(raw)
    if creator_id is None:
        notices.append(messages.BAD_CREATOR.format(value=raw.strip()[:40]))
    return creator_id


def _search_text(raw: str, notices: list[str]) -> str | None:
    text = _clean(raw)
    if len(text) > MAX_SEARCH_LENGTH:
        notices.append(messages.SEARCH_SHORTENED.format(limit=MAX_SEARCH_LENGTH))
        text = text[:MAX_SEARCH_LENGTH]
    return text or None


def _page(raw: str, notices: list[str]) -> int:
    raw = raw.strip()
    if not raw:
        return 1
    number = parse_id(raw)
    if number is None:
        notices.append(messages.BAD_PAGE.format(value=raw[:40]))
        return 1
    return min(number, MAX_PAGE)
