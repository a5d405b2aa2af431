"""The load: many `/ask` commands from sender threads released together by a barrier."""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from bench.commands import Command, Sender, build_command
from bench.stack import StackError

PROMPT = "Summarise ticket {index} of round {round} for the weekly report"
MODEL_NAME = "bench"


@dataclass(frozen=True)
class Ack:
    """How the app acknowledged one command."""

    command: Command
    sent_at: float
    latency: float
    status: int
    task_id: int | None
    error: str | None


def prompt_for(index: int, round_number: int) -> str:
    """Return the prompt of one task; unique so that every answer is too."""
    return PROMPT.format(index=index, round=round_number)


def build_asks(
    count: int, channels: int, users: int, round_number: int, response_url: Callable[[str], str]
) -> list[Command]:
    """Prepare `count` `/ask` commands spread over channels and users."""
    asks = []
    for index in range(count):
        text = f"{MODEL_NAME} {prompt_for(index, round_number)}"
        channel = f"C{index % channels + 1:03d}"
        user = user_id(index % users)
        tag = f"r{round_number}"
        url = response_url(f"{tag}-{index}")
        asks.append(build_command(index, "/ask", text, channel, user, url, tag))
    return asks


def user_id(number: int) -> str:
    """Return the Slack id of bench user `number` (0-based)."""
    return f"U{number + 1:03d}"


def send_all(
    port: int, secret: str, commands: list[Command], senders: int, keep_alive: bool
) -> list[Ack]:
    """Send every command from `senders` threads that start together; return the acks."""
    senders = min(senders, len(commands))
    shares = [commands[k::senders] for k in range(senders)]
    results: list[list[Ack]] = [[] for _ in shares]
    barrier = threading.Barrier(senders)
    threads = [
        threading.Thread(
            target=_send_share,
            args=(Sender(port, secret, keep_alive), share, barrier, out),
            name=f"bench-sender-{k}",
            daemon=True,
        )
        for k, (share, out) in enumerate(zip(shares, results, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted((ack for out in results for ack in out), key=lambda ack: ack.command.index)


def _send_share(
    sender: Sender, share: list[Command], barrier: threading.Barrier, out: list[Ack]
) -> None:
    """Wait for the others, then send this thread's commands one after the other."""
    barrier.wait()
    try:
        for command in share:
            out.append(send_one(sender, command))
    finally:
        sender.close()


def send_one(sender: Sender, command: Command) -> Ack:
    """Send one command and judge its ack: 200 and a task `#<id>`."""
    started = time.time()
    try:
        response = sender.post(command)
    except (OSError, ValueError, http.client.HTTPException) as failure:
        elapsed = time.time() - started
        return Ack(command, started, elapsed, 0, None, f"{type(failure).__name__}: {failure}")
    task_id = response.task_id() if response.status == 200 else None
    error = None
    if response.status != 200:
        error = f"HTTP {response.status}: {response.body[:200]!r}"
    elif task_id is None:
        error = f"no task id in ack: {response.text()[:200]!r}"
    return Ack(command, response.sent_at, response.latency, response.status, task_id, error)


class LoadProcess:
    """A child process that sends the commands, so the fakes here do not slow the senders."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child_end,), name="bench-load", daemon=True
        )
        self.process.start()

    @property
    def pid(self) -> int:
        """The child's process id."""
        return int(self.process.pid or 0)

    def send_all(
        self, port: int, secret: str, commands: list[Command], senders: int, keep_alive: bool
    ) -> list[Ack]:
        """Run send_all in the child and return its acks."""
        self._conn.send((port, secret, commands, senders, keep_alive))
        try:
            acks: list[Ack] = self._conn.recv()
        except EOFError:
            raise StackError("the load process died") from None
        return acks

    def close(self) -> None:
        """Ask the child to end; kill it if it does not."""
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self._conn.close()


def _serve(conn: Connection) -> None:
    """Child side: run each job sent through the pipe until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    while (job := conn.recv()) is not None:
        conn.send(send_all(*job))
