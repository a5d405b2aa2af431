"""One page of the task list: its tasks, where it sits, and whether more follow."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.models import Task
from db.queries import TaskFilter, count_tasks, find_task_ids, tasks_by_ids
from web.task_query import TaskQuery

TASKS_PER_PAGE = 50
# Counting is O(n) on PostgreSQL (36 ms for 100,000 tasks): past this the list says "over".
COUNT_CAP = 10_000
# A text search reads rows, not an index: it collects at most this many matches at once.
SEARCH_COUNT_CAP = 500


@dataclass(frozen=True)
class ListPage:
    """The tasks of one page, newest first, and the count of all that match."""

    tasks: list[Task]
    number: int
    total: int
    capped: bool
    has_next: bool
    per_page: int = TASKS_PER_PAGE

    @property
    def pages(self) -> int:
        """Return how many pages the counted tasks fill (at least one)."""
        return pages_for(self.total, self.per_page)


def pages_for(total: int, per_page: int = TASKS_PER_PAGE) -> int:
    """Return how many pages hold a number of tasks."""
    return max(1, -(-total // per_page))


def load_page(db: Session, query: TaskQuery, per_page: int = TASKS_PER_PAGE) -> ListPage:
    """Return the page the query asks for; past the end, the last page."""
    if query.filters.text:
        return _searched_page(db, query.filters, query.page, per_page)
    return _counted_page(db, query.filters, query.page, per_page)


def _counted_page(
    db: Session, filters: TaskFilter, number: int, per_page: int, exact: bool = False
) -> ListPage:
    cap = None if exact else COUNT_CAP
    total = count_tasks(db, filters, cap)
    capped = cap is not None and total >= cap
    if not capped:
        number = min(number, pages_for(total, per_page))
    # One more id than a page holds, to know whether an older page follows.
    ids = find_task_ids(db, filters, (number - 1) * per_page, per_page + 1)
    if not ids and number > 1:
        # Past the end of a long list: count every task once to find the last page.
        return _counted_page(db, filters, number, per_page, exact=True)
    return _page(db, ids, number, total, capped, per_page)


def _searched_page(db: Session, filters: TaskFilter, number: int, per_page: int) -> ListPage:
    # One pass collects the newest matches up to the cap: they give the count and the
    # early pages, where counting and paging apart would read every row twice.
    found = find_task_ids(db, filters, 0, SEARCH_COUNT_CAP + 1)
    if len(found) <= SEARCH_COUNT_CAP:
        number = min(number, pages_for(len(found), per_page))
        start = (number - 1) * per_page
        return _page(db, found[start : start + per_page + 1], number, len(found), False, per_page)
    start = (number - 1) * per_page
    ids = found[start : start + per_page + 1]
    if len(ids) <= per_page:
        ids = find_task_ids(db, filters, start, per_page + 1)
    if not ids:
        return _counted_page(db, filters, number, per_page, exact=True)
    return _page(db, ids, number, SEARCH_COUNT_CAP, True, per_page)


def _page(
    db: Session, ids: list[int], number: int, total: int, capped: bool, per_page: int
) -> ListPage:
    tasks = tasks_by_ids(db, ids[:per_page])
    return ListPage(tasks, number, total, capped, len(ids) > per_page, per_page)
