"""The results: per-round figures, a table for people and JSON for scripts."""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.answers import SETUP_METHODS
from bench.options import Options


@dataclass
class RoundResult:
    """What one round of N commands measured."""

    round: int
    tasks: int
    ack_latencies: list[float]
    errors: list[str]
    answered: int
    answers_in: float | None
    done_in: float | None
    slack_calls: Counter[str]
    rss_after_mib: float
    cpu_seconds: dict[str, float]
    wall_seconds: float
    machine_busy: float
    timeline: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    log_warnings: dict[str, list[str]] = field(default_factory=dict)
    busiest_others: list[str] = field(default_factory=list)
    worker_messages: Counter[str] = field(default_factory=Counter)

    def tasks_per_second(self) -> float | None:
        """Return N / time to all answers, when every answer came."""
        if self.answers_in is None or self.answered < self.tasks:
            return None
        return self.tasks / self.answers_in

    def task_calls(self) -> int:
        """Return the Web API calls made for the tasks (not auth.test / users.info)."""
        return sum(n for method, n in self.slack_calls.items() if method not in SETUP_METHODS)


@dataclass
class BenchResult:
    """Every round of a run, with the worker's memory before the first one."""

    options: Options
    rss_before_mib: float
    rounds: list[RoundResult] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float | None:
    """Return the nearest-rank percentile of some values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def round_summary(result: RoundResult) -> dict[str, Any]:
    """Return the figures of a round as plain data (seconds, MiB)."""
    setup = {m: n for m, n in result.slack_calls.items() if m in SETUP_METHODS}
    per_method = {m: n for m, n in sorted(result.slack_calls.items()) if m not in SETUP_METHODS}
    return {
        "round": result.round,
        "tasks": result.tasks,
        "ack_p50_s": percentile(result.ack_latencies, 50),
        "ack_p99_s": percentile(result.ack_latencies, 99),
        "ack_max_s": max(result.ack_latencies, default=None),
        "acks_over_3s": sum(1 for latency in result.ack_latencies if latency >= 3.0),
        "answered": result.answered,
        "answers_in_s": result.answers_in,
        "done_in_s": result.done_in,
        "tasks_per_s": result.tasks_per_second(),
        "slack_calls_per_task": result.task_calls() / result.tasks,
        "slack_calls_by_method": per_method,
        "slack_setup_calls": setup,
        "worker_messages_by_task": dict(sorted(result.worker_messages.items())),
        "worker_rss_after_mib": round(result.rss_after_mib, 1),
        "cpu_seconds": {k: round(v, 2) for k, v in result.cpu_seconds.items()},
        "wall_seconds": round(result.wall_seconds, 2),
        "machine_cpu_busy": round(result.machine_busy, 3),
        "busiest_other_processes": result.busiest_others,
        "timeline_p50_max_s": {
            stage: None if spread is None else [round(spread[0], 3), round(spread[1], 3)]
            for stage, spread in result.timeline.items()
        },
        "log_warnings": {name: len(lines) for name, lines in result.log_warnings.items()},
        "log_warning_samples": [
            line[:300] for lines in result.log_warnings.values() for line in lines[:3]
        ],
        "errors": len(result.errors),
        "error_samples": result.errors[:5],
    }


def as_json(result: BenchResult) -> str:
    """Return the whole run as JSON."""
    return json.dumps(
        {
            "options": asdict(result.options),
            "worker_rss_before_mib": round(result.rss_before_mib, 1),
            "rounds": [round_summary(r) for r in result.rounds],
        },
        indent=2,
    )


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pair(spread: list[float] | None) -> str:
    return "-" if spread is None else f"{spread[0]:.2f} / {spread[1]:.2f} s"


def headline(options: Options) -> str:
    """Describe the run in one line."""
    return (
        f"promptdesk bench: {options.tasks} tasks x {options.rss_runs} round(s), endpoint "
        f"delay {options.delay:g} s, {options.db}, gunicorn {options.web_workers} workers x "
        f"{options.web_threads} threads (gthread), worker concurrency "
        f"{options.worker_concurrency}, DB pool {options.db_pool_size}, "
        f"{options.senders} senders, {options.channels} channels, answer "
        f"{'echo' if not options.answer_chars else f'{options.answer_chars} chars'} in "
        f"{options.chunk_size}-char chunks"
    )


TABLE_HEAD = (
    "round", "ack p50", "ack p99", "ack max", "answers in", "done in", "tasks/s",
    "calls/task", "RSS MiB", "errors",
)  # fmt: skip


def table_row(summary: dict[str, Any]) -> list[str]:
    """Return the cells of a round's row."""
    return [
        str(summary["round"]),
        _ms(summary["ack_p50_s"]),
        _ms(summary["ack_p99_s"]),
        _ms(summary["ack_max_s"]),
        _s(summary["answers_in_s"]),
        _s(summary["done_in_s"]),
        _rate(summary["tasks_per_s"]),
        f"{summary['slack_calls_per_task']:.2f}",
        f"{summary['worker_rss_after_mib']:.1f}",
        str(summary["errors"] + summary["tasks"] - summary["answered"]),
    ]


def format_table(rows: list[list[str]]) -> str:
    """Lay out rows as a Markdown table."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def details(summary: dict[str, Any]) -> list[str]:
    """Return the lines under the table for one round."""
    methods = ", ".join(f"{m} {n}" for m, n in summary["slack_calls_by_method"].items())
    setup = ", ".join(f"{m} {n}" for m, n in summary["slack_setup_calls"].items()) or "none"
    ran = ", ".join(f"{t} {n}" for t, n in summary["worker_messages_by_task"].items()) or "unknown"
    cpu = ", ".join(f"{k} {v:.1f} s" for k, v in summary["cpu_seconds"].items())
    lines = [
        f"round {summary['round']}: {summary['answered']}/{summary['tasks']} answered; "
        f"acks >= 3 s: {summary['acks_over_3s']}; wall {summary['wall_seconds']:.2f} s",
        f"  Slack calls: {methods} (outside tasks: {setup})",
        f"  Celery messages the worker ran: {ran}",
        f"  CPU used during the round: {cpu} (steal is part of the others); all cores busy "
        f"{summary['machine_cpu_busy']:.0%} (os.cpu_count() = {os.cpu_count()})",
    ]
    lines.append(
        "  busiest other processes: " + ("; ".join(summary["busiest_other_processes"]) or "none")
    )
    stages = "; ".join(
        f"{stage} {_pair(spread)}" for stage, spread in summary["timeline_p50_max_s"].items()
    )
    lines.append(f"  timeline after the first command (median / last): {stages}")
    lines += [f"  error: {sample}" for sample in summary["error_samples"]]
    logs = ", ".join(f"{name} {n}" for name, n in summary["log_warnings"].items())
    lines.append(f"  warning/error lines in the logs: {logs}")
    lines += [f"  log: {sample}" for sample in summary["log_warning_samples"]]
    return lines


def as_text(result: BenchResult) -> str:
    """Return the run as a headline, a table and details."""
    summaries = [round_summary(r) for r in result.rounds]
    rows = [list(TABLE_HEAD), *[table_row(s) for s in summaries]]
    lines = [headline(result.options), "", format_table(rows), ""]
    lines.append(
        f"worker RSS before the first round (after warm-up): {result.rss_before_mib:.1f} MiB"
    )
    for summary in summaries:
        lines += details(summary)
    return "\n".join(lines)
