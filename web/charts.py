"""Bar charts as plain shapes, for the templates to draw as inline SVG (no script, no CDN)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 720
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT = 12, 30, 44, 8
STACK_HEIGHT = 240
ROW_HEIGHT, ROW_GAP, LABEL_WIDTH, VALUE_WIDTH = 22, 8, 150, 150


@dataclass(frozen=True)
class Rect:
    """A bar or a part of one; `title` is its tooltip."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    """A piece of text on the chart."""

    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Line:
    """A grid line."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Chart:
    """Everything to draw, in a box of width × height."""

    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    empty: str | None = None


@dataclass(frozen=True)
class Column:
    """One bar of a stacked chart: its axis label, tooltip name and a value per series."""

    label: str
    name: str
    values: dict[str, int]


def nice_ceiling(value: float) -> float:
    """Round up to 1, 2 or 5 times a power of ten, so the axis reads well."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def stacked_bars(columns: Sequence[Column], series: Sequence[str], empty: str) -> Chart:
    """Return a chart of one stacked bar per column, series stacked from the bottom."""
    chart = Chart(WIDTH, STACK_HEIGHT)
    top = nice_ceiling(max((sum(c.values.values()) for c in columns), default=0))
    plot_height = STACK_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    _y_axis(chart, top, plot_height)
    slot = (WIDTH - PLOT_LEFT - PLOT_RIGHT) / max(1, len(columns))
    for index, column in enumerate(columns):
        x = PLOT_LEFT + index * slot
        chart.labels.append(Label(x + slot / 2, STACK_HEIGHT - 10, column.label))
        _stack(chart, column, series, x + slot * 0.15, slot * 0.7, plot_height / top)
    if not any(sum(c.values.values()) for c in columns):
        chart.empty = empty
    return chart


def _y_axis(chart: Chart, top: float, plot_height: float) -> None:
    for fraction in (0, 0.5, 1):
        y = PLOT_TOP + plot_height * (1 - fraction)
        chart.lines.append(Line(PLOT_LEFT, y, WIDTH - PLOT_RIGHT, y))
        chart.labels.append(Label(PLOT_LEFT - 6, y + 4, f"{top * fraction:g}", "end"))


def _stack(
    chart: Chart, column: Column, series: Sequence[str], x: float, width: float, scale: float
) -> None:
    y = float(STACK_HEIGHT - PLOT_BOTTOM)
    for name in series:
        count = column.values.get(name, 0)
        if count:
            height = count * scale
            y -= height
            title = f"{column.name} · {name}: {count:,}"
            chart.rects.append(Rect(x, y, width, height, f"bar-{name.lower()}", title))


def horizontal_bars(rows: Sequence[tuple[str, float, str]], empty: str) -> Chart:
    """Return a chart of one bar per (label, value, value text) row, longest = full width."""
    height = max(1, len(rows)) * (ROW_HEIGHT + ROW_GAP) + ROW_GAP
    chart = Chart(WIDTH, height)
    if not rows:
        chart.empty = empty
        return chart
    top = max(value for _, value, _ in rows) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for index, (label, value, text) in enumerate(rows):
        y = ROW_GAP + index * (ROW_HEIGHT + ROW_GAP)
        width = max(2.0, room * value / top)
        chart.labels.append(Label(LABEL_WIDTH - 8, y + ROW_HEIGHT * 0.7, label, "end"))
        bar = Rect(LABEL_WIDTH, y, width, ROW_HEIGHT, "bar-latency", f"{label}: {text}")
        chart.rects.append(bar)
        chart.labels.append(Label(LABEL_WIDTH + width + 6, y + ROW_HEIGHT * 0.7, text, "start"))
    return chart
