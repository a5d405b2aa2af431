"""Run one task: claim it, call its model, deliver the answer, record the end."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from db import queries
from db.keys import KeyUnreadable
from db.models import TaskStatus
from db.url_policy import UnsafeURL, check_model_url
from tasks.delivery import ChannelUnreachable, TaskThread, notify_moved_to_dm, open_dm
from tasks.llm import (
    CallDeadline,
    ChatStream,
    Endpoint,
    LLMCancelled,
    LLMFailure,
    Usage,
    describe_failure,
    with_retries,
)
from tasks.messages import TaskCard, cancelled_note, failure_text
from tasks.runtime import Runtime

logger = logging.getLogger(__name__)

MAX_RUN_ATTEMPTS = 3
FIRST_SHOW_DELAY_SECONDS = 0.5
UPDATE_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """A claimed task, copied out of the database so no session is held while it runs."""

    task_id: int
    prompt: str
    model_name: str
    endpoint: Endpoint | None
    endpoint_problem: str | None
    asker_user_id: str | None
    channel: str | None
    asked_in: str | None
    message_ts: str | None
    answer_ts: list[str]
    attempts: int
    response_url: str | None
    web_url: str


@dataclass
class Outcome:
    """How the model call ended."""

    status: TaskStatus
    answer: str
    error: str | None = None
    usage: Usage | None = None
    first_token_at: datetime | None = None


def run_task(runtime: Runtime, task_id: int) -> None:
    """Run a task unless it is finished or another worker holds it."""
    job = claim(runtime, task_id)
    if job is None:
        logger.info("task %s is finished or held by another worker; nothing to do", task_id)
        return
    call = CallControl()
    runtime.inflight.add(task_id, call.stop)
    try:
        TaskRun(runtime, job, call).run()
    finally:
        runtime.inflight.discard(task_id)


def claim(runtime: Runtime, task_id: int) -> Job | None:
    """Take the task and copy out what running it needs."""
    with runtime.sessions.begin() as session:
        row = queries.claim_task(session, task_id, runtime.settings.task_lease_seconds)
    return None if row is None else job_from(runtime, row)


def job_from(runtime: Runtime, row: Row[Any]) -> Job:
    """Copy a claimed task's columns into a Job, decrypting the model's key."""
    endpoint, problem = None, None
    if row.model_id is None:
        problem = f"The model `{row.model_name}` was removed before the task ran."
    else:
        try:
            endpoint = Endpoint(
                base_url=row.base_url,
                provider_model=row.provider_model,
                api_key=runtime.keys.decrypt(row.api_key_encrypted),
                name=row.model_current_name,
                timeout_seconds=float(row.timeout_seconds),
            )
        except KeyUnreadable:
            problem = "The model's API key cannot be decrypted (SECRET_KEY changed); set it again."
    return Job(
        task_id=row.id,
        prompt=row.prompt,
        model_name=row.model_name,
        endpoint=endpoint,
        endpoint_problem=problem,
        asker_user_id=row.asker_user_id,
        channel=row.slack_answer_channel_id or row.slack_channel_id,
        asked_in=row.slack_channel_id,
        message_ts=row.slack_message_ts,
        answer_ts=[ts for ts in (row.slack_answer_ts or "").split(",") if ts],
        attempts=row.attempts,
        response_url=row.slack_response_url,
        web_url=f"{runtime.settings.public_url}/tasks/{row.id}",
    )


class CallControl:
    """Lets another thread stop a running call: the cancel path."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._stream: ChatStream | None = None

    def attach(self, stream: ChatStream) -> None:
        """Remember the call in progress so that stop() can close it."""
        self._stream = stream
        if self.cancelled.is_set():
            stream.close()

    def stop(self) -> None:
        """Stop the call now."""
        self.cancelled.set()
        if self._stream is not None:
            self._stream.close()

    def sleep(self, seconds: float) -> bool:
        """Wait between attempts; False when cancelled meanwhile."""
        return not self.cancelled.wait(seconds)


class TaskRun:
    """One attempt at a task, from the first Slack message to the recorded end."""

    def __init__(self, runtime: Runtime, job: Job, call: CallControl) -> None:
        self.runtime = runtime
        self.job = job
        self.call = call
        self.thread: TaskThread | None = None
        self.started = time.monotonic()

    def run(self) -> None:
        """Announce, call, deliver, record."""
        self.thread = self.open_thread()
        self.show_card(TaskStatus.RUNNING)
        outcome = self.call_model()
        self.record(outcome)

    def save(self, **values: object) -> None:
        """Write some columns of the task in a short transaction of its own."""
        with self.runtime.sessions.begin() as session:
            queries.update_task(session, self.job.task_id, **values)

    def open_thread(self) -> TaskThread | None:
        """Return the Slack thread of the task (None for tasks asked on the web)."""
        if self.job.channel is None:
            return None
        return TaskThread(
            self.runtime.slack,
            self.job.channel,
            self.job.message_ts,
            self.job.answer_ts,
            self.save,
            task_id=self.job.task_id,
            recover=self.job.attempts > 1,
        )

    def show_card(self, status: TaskStatus, **extra: object) -> None:
        """Post or update the task message, moving to a DM if the channel is closed to us."""
        if self.thread is None:
            return
        card = TaskCard(
            task_id=self.job.task_id,
            status=status,
            model_name=self.job.model_name,
            asker_user_id=self.job.asker_user_id,
            prompt=self.job.prompt,
            web_url=self.job.web_url,
            **extra,  # type: ignore[arg-type]
        )
        try:
            self.thread.show_card(card)
        except ChannelUnreachable:
            self.move_to_dm()
            self.thread.show_card(card)

    def move_to_dm(self) -> None:
        """Carry on in a direct message with the asker, and tell them why."""
        assert self.thread is not None and self.job.asker_user_id is not None
        dm = open_dm(self.runtime.slack, self.job.asker_user_id)
        self.thread = TaskThread(
            self.runtime.slack, dm, None, [], self.save, task_id=self.job.task_id
        )
        notify_moved_to_dm(
            self.runtime.slack,
            self.job.asked_in or dm,
            self.job.asker_user_id,
            self.job.response_url,
        )

    def show_answer(self, markdown: str) -> None:
        """Show the answer so far in the thread."""
        if self.thread is None:
            return
        try:
            self.thread.show_answer(markdown)
        except ChannelUnreachable:
            self.move_to_dm()
            self.show_card(TaskStatus.RUNNING)
            self.thread.show_answer(markdown)

    def call_model(self) -> Outcome:
        """Call the endpoint with retries and turn every ending into an Outcome."""
        problem = self.refusal()
        if problem is not None:
            return Outcome(TaskStatus.FAILURE, "", error=problem)
        endpoint = self.job.endpoint
        assert endpoint is not None
        deadline = CallDeadline(endpoint.timeout_seconds)
        streamer = AnswerStreamer(self.show_answer)
        usage: list[Usage] = []

        def attempt() -> str:
            stream = ChatStream(endpoint, self.job.prompt, deadline)
            self.call.attach(stream)
            text = ""
            for piece in stream.texts():
                text += piece
                streamer.offer(text)
            usage.append(stream.usage)
            return text

        try:
            answer = with_retries(attempt, deadline, self.call.sleep)
        except LLMCancelled:
            return Outcome(TaskStatus.CANCELLED, streamer.latest)
        except Exception as error:
            if self.call.cancelled.is_set():
                return Outcome(TaskStatus.CANCELLED, streamer.latest)
            if not isinstance(error, LLMFailure) and _unexpected(error):
                logger.exception("task %s: unexpected error calling the model", self.job.task_id)
            reason = describe_failure(error, endpoint, endpoint.timeout_seconds)
            return Outcome(TaskStatus.FAILURE, streamer.latest, error=reason)
        return Outcome(
            TaskStatus.SUCCESS,
            answer,
            usage=usage[-1] if usage else None,
            first_token_at=streamer.first_token_at,
        )

    def refusal(self) -> str | None:
        """Return why the task cannot run at all, if it cannot."""
        if self.job.attempts > MAX_RUN_ATTEMPTS:
            return (
                f"The task stopped its worker {MAX_RUN_ATTEMPTS} times (killed or out of "
                "memory), so it will not be tried again."
            )
        if self.job.endpoint is None:
            return self.job.endpoint_problem
        try:
            check_model_url(
                self.job.endpoint.base_url, self.runtime.settings.allow_private_model_urls
            )
        except UnsafeURL as error:
            return f"The model's URL is not allowed: {error}."
        return None

    def record(self, outcome: Outcome) -> None:
        """Deliver the end to Slack, then record it, then show the final status.

        The thread is written before the row ends: a worker that dies in between leaves
        the task RUNNING, so it runs again and edits the same replies; nothing is lost.
        """
        values = end_values(outcome)
        if outcome.status is not TaskStatus.CANCELLED:
            if self.thread is not None:
                self.thread.defer_reply_saves = True
            self.show_answer(final_text(outcome))
            if self.thread is not None:
                values["slack_answer_ts"] = ",".join(self.thread.answer_ts) or None
        with self.runtime.sessions.begin() as session:
            if outcome.status is TaskStatus.CANCELLED:
                queries.update_task(session, self.job.task_id, answer=outcome.answer or None)
                ended = False
            else:
                ended = queries.finish_task(session, self.job.task_id, outcome.status, **values)
                if not ended and "slack_answer_ts" in values:
                    queries.update_task(
                        session, self.job.task_id, slack_answer_ts=values["slack_answer_ts"]
                    )
            status = outcome.status if ended else self.current_status(session)
        if status is TaskStatus.CANCELLED:
            self.show_answer((outcome.answer or "") + cancelled_note())
        tokens = outcome.usage.total_tokens if outcome.usage else None
        duration = time.monotonic() - self.started
        self.show_card(status, duration_seconds=duration, total_tokens=tokens)

    def current_status(self, session: Session) -> TaskStatus:
        """Return the status someone else gave the task (a cancel that came first)."""
        statuses = queries.statuses_of(session, [self.job.task_id])
        return statuses.get(self.job.task_id, TaskStatus.CANCELLED)


def final_text(outcome: Outcome) -> str:
    """Return what the thread shows at the end: the answer, or what went wrong."""
    if outcome.status is TaskStatus.SUCCESS:
        return outcome.answer or "_(the model returned an empty answer)_"
    lead = f"{outcome.answer}\n\n" if outcome.answer else ""
    return lead + failure_text(outcome.error or "Unknown error.")


def end_values(outcome: Outcome) -> dict[str, object]:
    """Return the columns that record how a task ended."""
    values: dict[str, object] = {"answer": outcome.answer or None, "error": outcome.error}
    if outcome.usage is not None:
        values.update(
            prompt_tokens=outcome.usage.prompt_tokens,
            completion_tokens=outcome.usage.completion_tokens,
            total_tokens=outcome.usage.total_tokens,
        )
    if outcome.first_token_at is not None:
        values["first_token_at"] = outcome.first_token_at
    return values


def _unexpected(error: Exception) -> bool:
    import openai

    return not isinstance(error, openai.APIError)


class AnswerStreamer:
    """Shows a growing answer in Slack: soon after the first token, then once a second."""

    def __init__(self, show: object, clock: object = time.monotonic) -> None:
        self._show = show
        self._clock = clock
        self._first: float | None = None
        self._last_shown: float | None = None
        self.latest = ""
        self.first_token_at: datetime | None = None

    def offer(self, text: str) -> None:
        """Take the answer so far; show it if it is time to."""
        now = self._clock()  # type: ignore[operator]
        self.latest = text
        if self._first is None:
            self._first = now
            self.first_token_at = datetime.now(UTC)
        since = now - (self._last_shown if self._last_shown is not None else self._first)
        wait = UPDATE_INTERVAL_SECONDS if self._last_shown is not None else FIRST_SHOW_DELAY_SECONDS
        if since >= wait:
            self._show(text)  # type: ignore[operator]
            self._last_shown = now
