"""One benchmark run: bring the stack up, warm it, measure the rounds, tear it all down."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.answers import (
    Progress,
    answer_times,
    call_counts,
    card_post_times,
    done_times,
    expected_answer,
    llm_call_times,
    wait_for_answers,
)
from bench.commands import Command, Sender, build_command
from bench.database import temp_database
from bench.endpoint import script_endpoint, scripted_text
from bench.fakes import running_fakes
from bench.load import MODEL_NAME, Ack, LoadProcess, build_asks, prompt_for, user_id
from bench.options import Options
from bench.procinfo import CpuMeter, children, cpu_seconds, rss_mib, tree_cpu_seconds
from bench.profiling import profiled
from bench.report import BenchResult, RoundResult
from bench.stack import (
    SIGNING_SECRET,
    Child,
    StackError,
    bench_settings,
    forget_queue,
    free_port,
    require_redis,
    start_web,
    start_worker,
    upgrade_schema,
    wait_healthy,
    worker_task_counts,
)
from settings import Settings
from tests.fakes.llm_server import FakeLLM, LLMRequest
from tests.fakes.slack_api import Call, FakeSlack

WARM_UP_TIMEOUT_SECONDS = 60.0
BENCH_API_KEY = "sk-bench-0123456789abcdef"


@dataclass
class Bench:
    """The running stack and the fakes it talks to."""

    options: Options
    settings: Settings
    slack: FakeSlack
    llm: FakeLLM
    web: Child
    worker: Child
    load: LoadProcess

    def check(self) -> None:
        """Raise if the web server or the worker died."""
        self.web.check_alive()
        self.worker.check_alive()

    def logs(self) -> str:
        """Return the end of both logs, for a failure report."""
        return f"--- gunicorn ---\n{self.web.log_tail()}\n--- worker ---\n{self.worker.log_tail()}"

    def script_endpoint(self) -> None:
        """Make FakeLLM answer after the configured delay, streamed in chunks."""
        o = self.options
        text = scripted_text(o.answer_chars)
        script_endpoint(self.llm, MODEL_NAME, o.delay, o.chunk_size, o.chunk_delay, text)

    def expected(self, acks: list[Ack], number: int) -> tuple[dict[int, str], dict[int, str]]:
        """Return the prompt and the answer in Slack of each acknowledged task."""
        prompts = prompts_of(acks, number)
        text = scripted_text(self.options.answer_chars)
        return prompts, {task: expected_answer(p, text) for task, p in prompts.items()}

    def register_model(self) -> None:
        """Register the bench model with a signed `/model add`."""
        text = f"add {MODEL_NAME} url={self.llm.base_url} model={MODEL_NAME} key={BENCH_API_KEY}"
        command = build_command(
            0, "/model", text, "C001", user_id(0), self.slack.response_url(), "model"
        )
        sender = Sender(self.settings.port, SIGNING_SECRET)
        response = sender.post(command)
        sender.close()
        if response.status != 200 or "Registered" not in response.text():
            raise StackError(f"/model add failed: {response.status} {response.body[:300]!r}")

    def warm_up(self) -> None:
        """Run a few tasks end to end: proves the worker consumes, warms every process."""
        count = 2 * self.options.web_workers
        asks = build_asks(count, count, count, 0, self.slack.response_url)
        acks = self.load.send_all(self.settings.port, SIGNING_SECRET, asks, count, False)
        expected = self.expected(acks, 0)[1]
        progress = wait_for_answers(self.slack, expected, WARM_UP_TIMEOUT_SECONDS, self.check)
        if len(expected) < count or len(progress.done) < count:
            errors = [a.error for a in acks if a.error]
            raise StackError(f"warm-up tasks did not complete: {errors[:3]}\n{self.logs()}")

    def cpu(self) -> dict[str, float]:
        """Return the CPU time used so far by senders, fakes (this process), web and worker."""
        return {
            "senders": cpu_seconds(self.load.pid),
            "fakes": time.process_time(),
            "gunicorn": tree_cpu_seconds(self.web.pid),
            "worker": cpu_seconds(self.worker.pid),
        }

    def fresh_round(self, number: int) -> list[Command]:
        """Empty the fakes and prepare this round's commands."""
        self.slack.reset()
        self.llm.reset()
        self.script_endpoint()
        o = self.options
        return build_asks(o.tasks, o.channels, o.users, number, self.slack.response_url)

    def our_pids(self) -> set[int]:
        """Return the processes the bench counts as its own."""
        return {os.getpid(), self.load.pid, self.web.pid, self.worker.pid, *children(self.web.pid)}

    def measure_round(self, number: int) -> RoundResult:
        """Send N commands at once and wait for every answer in Slack."""
        o, asks = self.options, self.fresh_round(number)
        pids = {f"worker-{number}": self.worker.pid, f"gunicorn-{number}": self.web.pid}
        logged = {child.name: child.log_size() for child in (self.web, self.worker)}
        ran_before = worker_task_counts(self.settings)
        with profiled(pids, o.profile), CpuMeter(self.cpu, self.our_pids) as meter:
            acks = self.load.send_all(
                self.settings.port, SIGNING_SECRET, asks, o.senders, o.keep_alive
            )
            prompts, expected = self.expected(acks, number)
            progress = wait_for_answers(self.slack, expected, o.timeout, self.check)
        stages = timeline(
            acks, self.slack.calls(), self.slack.messages(), self.llm.requests, prompts, expected
        )
        warnings = {c.name: c.warnings_since(logged[c.name]) for c in (self.web, self.worker)}
        result = self.round_result(number, acks, progress, stages, meter, warnings)
        result.worker_messages = worker_task_counts(self.settings) - ran_before
        return result

    def round_result(
        self,
        number: int,
        acks: list[Ack],
        progress: Progress,
        stages: dict[str, dict[int, float]],
        meter: CpuMeter,
        warnings: dict[str, list[str]],
    ) -> RoundResult:
        """Put a round's measurements together."""
        first = min(ack.sent_at for ack in acks)
        failed = [f"task #{t}: {why}" for t, why in progress.failed.items()]
        return RoundResult(
            round=number,
            tasks=self.options.tasks,
            ack_latencies=[a.latency for a in acks if a.status],
            errors=ack_errors(acks) + failed,
            answered=len(progress.done),
            answers_in=_last(stages["answer in thread"], progress.done, first),
            done_in=_last(stages["task message done"], progress.done, first),
            slack_calls=call_counts(self.slack.calls()),
            rss_after_mib=rss_mib(self.worker.pid),
            cpu_seconds=meter.seconds,
            wall_seconds=meter.wall,
            machine_busy=meter.busy,
            timeline={name: _spread(times, first) for name, times in stages.items()},
            log_warnings=warnings,
            busiest_others=meter.others,
        )


def timeline(
    acks: list[Ack],
    calls: list[Call],
    messages: list[dict[str, Any]],
    requests: list[LLMRequest],
    prompts: dict[int, str],
    expected: dict[int, str],
) -> dict[str, dict[int, float]]:
    """Return, per stage of a task's life, when each task reached it (wall clock)."""
    return {
        "acked": {a.task_id: a.sent_at + a.latency for a in acks if a.task_id is not None},
        "task message posted": card_post_times(calls, expected),
        "endpoint called": llm_call_times(requests, {p: t for t, p in prompts.items()}),
        "answer in thread": answer_times(calls, messages, expected),
        "task message done": done_times(calls, expected),
    }


def _spread(times: dict[int, float], first: float) -> tuple[float, float] | None:
    """Return the median and the last of some times, in seconds after the first command."""
    if not times:
        return None
    ordered = sorted(t - first for t in times.values())
    return ordered[len(ordered) // 2], ordered[-1]


def prompts_of(acks: list[Ack], number: int) -> dict[int, str]:
    """Return the prompt of each acknowledged task."""
    return {
        ack.task_id: prompt_for(ack.command.index, number)
        for ack in acks
        if ack.task_id is not None
    }


def ack_errors(acks: list[Ack]) -> list[str]:
    """Return what went wrong with the acks: bad answers and tasks named twice."""
    errors = [f"ack {a.command.index}: {a.error}" for a in acks if a.error]
    named = Counter(a.task_id for a in acks if a.task_id is not None)
    errors += [f"task #{task} named by {n} acks" for task, n in named.items() if n > 1]
    return errors


def _last(times: dict[int, float], tasks: set[int], first: float) -> float | None:
    """Return when the last of some tasks got there, from the first command sent."""
    found = [times[task] for task in tasks if task in times]
    return max(found) - first if found and len(found) == len(tasks) else None


@contextlib.contextmanager
def running_stack(options: Options) -> Iterator[Bench]:
    """Start fakes, database, worker and web server; stop and remove them all afterwards."""
    require_redis(options.redis_url)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="promptdesk-bench-")))
        slack, llm = stack.enter_context(running_fakes())
        database_url = stack.enter_context(temp_database(options.db, tmp, options.postgres_url))
        queue = f"promptdesk-bench-{uuid.uuid4().hex[:10]}"
        settings = bench_settings(options, slack.url, database_url, free_port(), queue)
        stack.callback(forget_queue, settings)
        upgrade_schema(settings)
        worker = start_worker(settings, tmp)
        stack.callback(worker.stop)
        web = start_web(settings, options, tmp)
        stack.callback(web.stop)
        wait_healthy(web, settings.port)
        load = LoadProcess()
        stack.callback(load.close)
        yield Bench(options, settings, slack, llm, web, worker, load)


def run(options: Options) -> BenchResult:
    """Run the benchmark and return its results."""
    with running_stack(options) as bench:
        for number in range(options.users):
            bench.slack.add_user(user_id(number), f"Bench User {number + 1}")
        bench.script_endpoint()
        bench.register_model()
        bench.warm_up()
        result = BenchResult(options, rss_mib(bench.worker.pid))
        for number in range(1, options.rss_runs + 1):
            result.rounds.append(bench.measure_round(number))
        return result
