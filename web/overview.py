"""The overview: tasks per day by status and the median latency per model, as SVG charts."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from db.models import TaskStatus, utcnow
from db.queries import (
    DayCount,
    count_models,
    count_people,
    recent_durations,
    status_totals,
    tasks_per_day,
)
from web import messages
from web.auth import login_required
from web.charts import Chart, Column, horizontal_bars, stacked_bars
from web.context import web_context
from web.formatting import duration

DAYS = 14
# The median of the newest answers only: the page must stay fast on a busy database.
LATENCY_SAMPLE = 2_000
STACK_ORDER = [
    TaskStatus.SUCCESS,
    TaskStatus.FAILURE,
    TaskStatus.CANCELLED,
    TaskStatus.RUNNING,
    TaskStatus.PENDING,
]


def register(bp: Blueprint) -> None:
    """Add the overview and the front door that leads to it."""
    bp.add_url_rule("/", "home", home, methods=["GET"])
    bp.add_url_rule("/overview", "overview", overview, methods=["GET"])


def home() -> ResponseReturnValue:
    """Send the front door to the overview (which asks to sign in if needed)."""
    return redirect(url_for("web.overview"))


@login_required
def overview() -> ResponseReturnValue:
    """Show the charts and the totals."""
    bounds = day_bounds(utcnow(), DAYS)
    with web_context().sessions() as db:
        totals = status_totals(db)
        days = tasks_per_day(db, bounds)
        return render_template(
            "overview.html",
            active="overview",
            days=DAYS,
            per_day=per_day_chart(days, bounds),
            latency=latency_chart(db, bounds[0]),
            statuses=STACK_ORDER,
            totals=totals,
            total=sum(totals.values()),
            tokens=sum(row.tokens for row in days),
            model_count=count_models(db),
            people_count=count_people(db),
        )


def day_bounds(now: datetime, days: int) -> list[datetime]:
    """Return the UTC midnights that start each of the last `days` days, and tomorrow's."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - timedelta(days=days - 1 - index) for index in range(days + 1)]


def per_day_chart(days: list[DayCount], bounds: list[datetime]) -> Chart:
    """Return the stacked bars of tasks per day and status."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in days:
        counts[row.day][row.status.value] = row.tasks
    columns = [
        Column(day.strftime("%m-%d"), day.strftime("%Y-%m-%d"), counts[index])
        for index, day in enumerate(bounds[:-1])
    ]
    series = [status.value for status in STACK_ORDER]
    return stacked_bars(columns, series, messages.NO_CHART_DATA.format(days=len(columns)))


def latency_chart(db: Session, since: datetime) -> Chart:
    """Return the bars of the median duration of successful tasks, per model."""
    by_model: dict[str, list[float]] = defaultdict(list)
    for name, seconds in recent_durations(db, since, LATENCY_SAMPLE):
        by_model[name].append(seconds)
    rows = [
        (name, median, latency_text(median, len(values)))
        for name, values in sorted(by_model.items())
        for median in [statistics.median(values)]
    ]
    return horizontal_bars(rows, messages.NO_LATENCY_DATA.format(days=DAYS))


def latency_text(seconds: float, count: int) -> str:
    """Return the words beside a latency bar."""
    return messages.LATENCY_VALUE.format(seconds=duration(seconds), count=count)
