"""The real parts the end-to-end tests run on: databases, Redis, workers, signed requests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
import redis
from flask.testing import FlaskClient
from sqlalchemy import delete

from db.migrate import upgrade
from db.models import LlmModel, Person, SignInToken, Task
from db.session import make_engine, make_session_factory
from settings import Settings
from tests.fakes.llm_server import FakeLLM
from tests.fakes.server import wait_for
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
REDIS_HELP = (
    "These tests need a Redis server at {url}. Start one with "
    "`redis-server --daemonize yes --port 6379 --save '' --appendonly no` "
    "(Debian/Ubuntu: `sudo apt-get install redis-server`), or set TEST_REDIS_URL."
)
POSTGRES_HELP = (
    "TEST_POSTGRES_URL={url} is set but PostgreSQL does not answer ({error}). Start it "
    "(`pg_ctlcluster <version> main start`) or unset TEST_POSTGRES_URL to test SQLite only."
)
_trigger_ids = itertools.count(1)


def require_redis(url: str) -> None:
    """Fail with how to start Redis when it does not answer."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        raise RuntimeError(REDIS_HELP.format(url=url)) from error


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_postgres_database(admin_url: str) -> str:
    """Create an empty database for one test session and return its SQLAlchemy URL."""
    name = f"promptdesk_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise RuntimeError(POSTGRES_HELP.format(url=admin_url, error=error)) from error
    parts = urlsplit(admin_url)
    return f"postgresql+psycopg://{parts.netloc}/{name}"


def drop_postgres_database(admin_url: str, sqlalchemy_url: str) -> None:
    """Drop a database made by create_postgres_database."""
    name = urlsplit(sqlalchemy_url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sign(body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Return the headers Slack signs a request with."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


@dataclass
class Worker:
    """A `celery -A tasks worker` child process."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Return what the worker printed."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the worker says it is ready."""
        deadline = time.monotonic() + timeout
        while "ready." not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start:\n" + self.log()[-4000:])
            time.sleep(0.1)

    def kill(self) -> None:
        """Kill the worker the hard way, as the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker: a warm shutdown, then a kill if it lingers."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Stack:
    """The whole product for one database backend: app, worker, fakes."""

    backend: str
    settings: Settings
    slack: FakeSlack
    llm: FakeLLM
    tmp: Path
    workers: list[Worker] = field(default_factory=list)

    def start_worker(self, settings: Settings | None = None, name: str | None = None) -> Worker:
        """Start a worker process against this stack's database and queue."""
        settings = settings or self.settings
        log_path = self.tmp / f"worker-{name or len(self.workers)}.log"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": str(ROOT),
            **settings.to_env(),
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks",
            "worker",
            "--loglevel=INFO",
            f"--hostname={name or uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log_path)
        self.workers.append(worker)
        worker.wait_ready()
        return worker

    def sessions(self) -> Any:
        """Return a session factory on the stack's database."""
        if not hasattr(self, "_sessions"):
            self._sessions = make_session_factory(make_engine(self.settings.database_url, 5))
        return self._sessions

    def clear(self) -> None:
        """Empty the tables and the fakes between tests."""
        with self.sessions().begin() as session:
            for table in (SignInToken, Task, LlmModel, Person):
                session.execute(delete(table))
        self.slack.reset()
        self.llm.reset()


class SlackUser:
    """Someone typing slash commands, sending signed requests to the real app."""

    def __init__(
        self,
        client: FlaskClient,
        slack: FakeSlack,
        user_id: str = "U111",
        name: str = "ada",
        team_id: str = "T1",
        channel: str = "C100",
    ) -> None:
        self.client = client
        self.slack = slack
        self.user_id, self.name, self.team_id, self.channel = user_id, name, team_id, channel

    def command(
        self,
        command: str,
        text: str,
        channel: str | None = None,
        trigger_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Type a slash command; return the JSON of the ack (the ephemeral reply)."""
        response = self.post_command(command, text, channel, trigger_id, headers)
        assert response.status_code == 200, response.data
        return response.get_json() if response.data else {}

    def post_command(
        self,
        command: str,
        text: str,
        channel: str | None = None,
        trigger_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send the signed request of a slash command; return the raw response."""
        payload = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel or self.channel,
            "channel_name": "general",
            "user_id": self.user_id,
            "user_name": self.name,
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": self.slack.response_url(f"{self.user_id}-{next(_trigger_ids)}"),
            "trigger_id": trigger_id or f"trigger.{uuid.uuid4().hex}",
        }
        body = urlencode(payload).encode()
        return self.client.post(
            "/slack/events", data=body, headers={**sign(body), **(headers or {})}
        )

    def interact(self, payload: dict[str, Any]) -> Any:
        """Send a signed interactivity payload (a button click, a form submission)."""
        payload = {
            "user": {"id": self.user_id, "username": self.name, "team_id": self.team_id},
            "team": {"id": self.team_id},
            "trigger_id": f"trigger.{uuid.uuid4().hex}",
            **payload,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.client.post("/slack/events", data=body, headers=sign(body))

    def click(self, action_id: str, value: str, channel: str | None = None) -> Any:
        """Click a button on a message in a channel."""
        return self.interact(
            {
                "type": "block_actions",
                "channel": {"id": channel or self.channel},
                "response_url": self.slack.response_url(f"click-{next(_trigger_ids)}"),
                "actions": [{"action_id": action_id, "value": value, "type": "button"}],
            }
        )

    def event(self, event: dict[str, Any]) -> Any:
        """Deliver a signed Events API callback about this user."""
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": self.team_id,
                "api_app_id": "A1",
                "event_id": f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
                "event": {"user": self.user_id, **event},
            }
        ).encode()
        headers = {**sign(body), "Content-Type": "application/json"}
        return self.client.post("/slack/events", data=body, headers=headers)

    def ask(self, text: str, **kwargs: Any) -> str:
        """Type `/ask`; return the reply text."""
        return str(self.command("/ask", text, **kwargs).get("text", ""))

    def model(self, text: str, **kwargs: Any) -> str:
        """Type `/model`; return the reply text."""
        return str(self.command("/model", text, **kwargs).get("text", ""))

    def task(self, text: str, **kwargs: Any) -> str:
        """Type `/task`; return the reply text."""
        return str(self.command("/task", text, **kwargs).get("text", ""))


__all__ = ["SlackUser", "Stack", "Worker", "free_port", "upgrade", "wait_for"]
