"""What the browser tests stand on: a served app, realistic rows, a queue that finishes tasks."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from db import queries
from db.keys import KeyBox, mask_key
from db.migrate import upgrade
from db.models import LlmModel, Person, Task, TaskStatus, utcnow
from db.session import make_engine, make_session_factory
from settings import Settings
from web import init_web

CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT_VERSION = "1.65.2"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "The browser tests need Debian's Chromium and the Playwright package: "
    f"`apt-get install -y chromium` and `.venv/bin/pip install playwright=={PLAYWRIGHT_VERSION}` "
    "(Playwright's own browser download is not used)."
)
SECRET = "browser-test-secret"
ANSWER_DELAY_SECONDS = 0.5


def require_browser() -> Any:
    """Return Playwright's sync_playwright, or fail saying how to install what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(INSTALL_HINT, pytrace=False)
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing. {INSTALL_HINT}", pytrace=False)
    return sync_playwright


@dataclass
class FinishingQueue:
    """Stands in for the worker: marks each task RUNNING, then SUCCESS with an answer."""

    sessions: sessionmaker[Session]
    started: list[int] = field(default_factory=list)
    tested: list[int] = field(default_factory=list)

    def run_task(self, task_id: int) -> bool:
        self.started.append(task_id)
        threading.Thread(target=self._answer, args=(task_id,), daemon=True).start()
        return True

    def test_model(self, model_id: int, reply_to: dict[str, Any]) -> bool:
        self.tested.append(model_id)
        threading.Thread(target=self._test, args=(model_id,), daemon=True).start()
        return True

    def _answer(self, task_id: int) -> None:
        time.sleep(ANSWER_DELAY_SECONDS / 2)
        with self.sessions.begin() as db:
            queries.update_task(db, task_id, status=TaskStatus.RUNNING, started_at=utcnow())
        time.sleep(ANSWER_DELAY_SECONDS)
        with self.sessions.begin() as db:
            queries.finish_task(
                db,
                task_id,
                TaskStatus.SUCCESS,
                answer="Here is the **answer** from the fake worker.\n\n- one\n- two",
                prompt_tokens=12,
                completion_tokens=30,
                total_tokens=42,
            )

    def _test(self, model_id: int) -> None:
        time.sleep(ANSWER_DELAY_SECONDS)
        with self.sessions.begin() as db:
            model = db.get(LlmModel, model_id)
            if model is not None:
                model.last_test_at, model.last_test_ok = utcnow(), True
                model.last_test_latency_ms = 412
                model.last_test_message = "answered in 0.41 s: “OK”"


@dataclass
class LiveSite:
    """The web console served over HTTP on a free loopback port."""

    url: str
    sessions: sessionmaker[Session]
    queue: FinishingQueue

    def sign_in_link(self, person_name: str) -> str:
        with self.sessions.begin() as db:
            person = db.query(Person).filter_by(name=person_name).one()
            token = queries.create_sign_in_token(db, person, timedelta(minutes=10))
        return f"{self.url}/signin/{token}"


@contextmanager
def serve(tmp: Path) -> Iterator[LiveSite]:
    """Serve the web console on a new database filled with realistic rows."""
    settings = Settings(
        secret_key=SECRET,
        database_url=f"sqlite:///{tmp / 'browser.db'}",
        allow_private_model_urls=True,
    )
    engine = make_engine(settings.database_url, pool_size=4)
    upgrade(engine)
    sessions = make_session_factory(engine)
    fill(sessions, KeyBox(SECRET))
    queue = FinishingQueue(sessions)
    app = flask.Flask("promptdesk-browser-test")
    init_web(app, settings, sessions, health=lambda: {"redis": "ok"}, queue=queue)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSite(f"http://127.0.0.1:{server.server_port}", sessions, queue)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        engine.dispose()


# Realistic rows ----------------------------------------------------------------------

PEOPLE = [
    ("Ada Lovelace", "U01ADA0001", True),
    ("Grace Hopper", "U01GRACE02", False),
    ("Alan Turing", "U01ALAN003", False),
    ("Katherine Johnson", "U01KATH004", False),
    ("Margaret Hamilton", "U01MARG005", False),
]
MODELS = [
    ("qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus", 0),
    ("deepseek", "https://api.deepseek.com/v1", "deepseek-chat", 1),
    ("gpt-4o-mini", "https://api.openai.com/v1", "gpt-4o-mini", 0),
    ("llama3", "http://10.20.0.12:11434/v1", "llama3.1:8b", 2),
]
PROMPTS = [
    "Summarise the incident report of last night's Redis failover in five bullet points.",
    "Write a SQL query that lists invoices per customer per month for 2024.",
    "Explain the difference between a mutex and a semaphore, with a Python example.",
    "Draft a polite reply to a customer who asks for a refund after 45 days.",
    "Translate the release notes of version 4.2 into German.",
    "Suggest unit tests for a function that parses ISO 8601 dates.",
    "What are good liveness and readiness probes for a Celery worker on Kubernetes?",
    "Review this regex for Slack user ids: ^U[A-Z0-9]{8}$",
    "Give me three names for an internal LLM gateway.",
    "Turn these meeting notes into action items with owners.",
]
ANSWER = """Here is a short plan.

1. **Check the basics**: make sure the service answers `GET /healthz`.
2. **Measure** before changing anything.
3. Roll out to one team first.

```python
def healthy(response) -> bool:
    return response.status_code == 200
```

| Step | Owner |
| --- | --- |
| Probe | Ops |
| Rollout | Platform |

> Keep the change small.
"""
ERRORS = ["the endpoint rejected the API key", "timed out after 60 s"]


def fill(sessions: sessionmaker[Session], keys: KeyBox) -> None:
    """Add people, models and two weeks of tasks, as a busy team would have."""
    rng = random.Random(5)
    with sessions.begin() as db:
        people = [
            Person(name=n, slack_user_id=u, slack_team_id="T01ACME", is_admin=a)
            for n, u, a in PEOPLE
        ]
        db.add_all(people)
        db.flush()
        models = [_model(keys, row, people) for row in MODELS]
        db.add_all(models)
        db.flush()
        now = datetime.now(UTC).replace(microsecond=0)
        for number in range(64):
            db.add(_task(rng, number, now, people, models))


def _model(keys: KeyBox, row: tuple[str, str, str, int], people: list[Person]) -> LlmModel:
    name, url, provider_model, maintainer = row
    key = f"sk-{name}-0123456789abcdef{len(name)}"
    return LlmModel(
        name=name,
        base_url=url,
        provider_model=provider_model,
        api_key_encrypted=keys.encrypt(key),
        api_key_hint=mask_key(key),
        timeout_seconds=120,
        maintainer=people[maintainer],
        last_test_at=utcnow() - timedelta(hours=3),
        last_test_ok=name != "llama3",
        last_test_latency_ms=380 + 40 * len(name),
        last_test_message="answered in 0.52 s: “OK”" if name != "llama3" else "connection refused",
    )


def _task(
    rng: random.Random, number: int, now: datetime, people: list[Person], models: list[LlmModel]
) -> Task:
    created = now - timedelta(hours=5 * (63 - number), minutes=rng.randint(0, 50))
    status = _status(rng, number)
    model = rng.choice(models)
    prompt = rng.choice(PROMPTS)
    started = created + timedelta(seconds=0.4) if status != TaskStatus.PENDING else None
    seconds = rng.uniform(1.5, 14.0) * (2.5 if model.name == "llama3" else 1)
    done = status.finished and started is not None
    tokens = (rng.randint(20, 400), rng.randint(80, 1200)) if status == TaskStatus.SUCCESS else None
    return Task(
        name=queries.task_name_from_prompt(prompt),
        creator=rng.choice(people),
        prompt=prompt,
        model=model,
        model_name=model.name,
        status=status,
        answer=ANSWER if status == TaskStatus.SUCCESS else None,
        error=rng.choice(ERRORS) if status == TaskStatus.FAILURE else None,
        created_at=created,
        started_at=started,
        first_token_at=started + timedelta(seconds=0.6) if done and started else None,
        finished_at=started + timedelta(seconds=seconds) if done and started else None,
        prompt_tokens=tokens[0] if tokens else None,
        completion_tokens=tokens[1] if tokens else None,
        total_tokens=sum(tokens) if tokens else None,
        attempts=1 if started else 0,
        slack_channel_id="C01GENERAL" if number % 3 else None,
        slack_message_ts=f"{int(created.timestamp())}.000100" if number % 3 else None,
    )


def _status(rng: random.Random, number: int) -> TaskStatus:
    if number == 63:
        return TaskStatus.RUNNING
    roll = rng.random()
    if roll < 0.12:
        return TaskStatus.FAILURE
    if roll < 0.17:
        return TaskStatus.CANCELLED
    return TaskStatus.SUCCESS
