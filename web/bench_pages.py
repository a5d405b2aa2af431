"""Time the web pages on a database of 100,000 tasks: `python -m web.bench_pages`.

Fills a fresh SQLite database (or the empty one given with --database-url), signs in
through the real sign-in link and asks each page many times through Flask's test client,
so the figures include routing, queries and templates but no network.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import upgrade
from db.models import LlmModel, Person, Task, TaskStatus
from db.queries import create_sign_in_token
from db.session import make_engine, make_session_factory
from settings import Settings
from web import init_web

CHUNK = 5_000
# Indexes the task list would like (see --proposed-indexes); migrations own the real ones.
PROPOSED_INDEXES = [
    "CREATE INDEX ix_task_status_created ON task (status, created_at)",
    "CREATE INDEX ix_task_model_name_created ON task (model_name, created_at)",
]
# On PostgreSQL, trigram indexes serve the text search's lower(column) LIKE '%…%'.
PROPOSED_POSTGRES_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX ix_task_{column}_trgm ON task USING gin (lower({column}) gin_trgm_ops)"
        for column in ("prompt", "answer", "name")
    ),
]
DAYS = 100
MODELS = ["qwen", "deepseek", "gpt-4o-mini", "llama3", "mistral", "claude-proxy"]
TOPICS = [
    "kubernetes liveness probes",
    "a SQL query that groups invoices by month",
    "the difference between a mutex and a semaphore",
    "our on-call runbook for Redis failover",
    "a polite reply to a customer asking for a refund",
    "unit tests for a date parser",
    "the release notes of version 4.2",
    "a regex that matches Slack user ids",
]
FILLER = (
    "Explain it step by step, with a short example and the pitfalls people hit in practice. "
    "Keep it under three hundred words and use a list where it helps. "
)
ANSWER = (
    "Here is a short overview.\n\n1. **First**, look at what the system does today.\n"
    "2. **Then** change one thing at a time and measure.\n\n```python\nprint('hello')\n```\n\n"
    "In practice the hard part is the edge cases: empty input, time zones, retries. "
)


@dataclass(frozen=True)
class Scenario:
    """One page to time."""

    label: str
    path: str


def scenarios(person_id: int, task_id: int) -> list[Scenario]:
    """Return the pages to time."""
    return [
        Scenario("tasks, page 1", "/tasks"),
        Scenario("tasks, page 500", "/tasks?page=500"),
        Scenario("tasks, status=FAILURE", "/tasks?status=FAILURE"),
        Scenario("tasks, model=llama3", "/tasks?model=llama3"),
        Scenario("tasks, one creator", f"/tasks?creator={person_id}"),
        Scenario("tasks, creator + page 20", f"/tasks?creator={person_id}&page=20"),
        Scenario("tasks, search common word", "/tasks?q=kubernetes"),
        Scenario("tasks, search rare word", "/tasks?q=walrus"),
        Scenario("task detail", f"/tasks/{task_id}"),
        Scenario("status.json, 50 ids", "/tasks/status.json?ids=" + _ids(task_id)),
        Scenario("overview", "/overview"),
        Scenario("models", "/models"),
        Scenario("people", "/people"),
    ]


def _ids(last: int) -> str:
    return ",".join(str(n) for n in range(max(1, last - 49), last + 1))


def main(argv: list[str] | None = None) -> int:
    """Fill the database, time every page, print a table."""
    args = _parse(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        sessions = _database(url)
        started = time.perf_counter()
        person_id, task_id = fill(sessions, args.tasks, random.Random(7))
        print(f"filled {args.tasks:,} tasks in {time.perf_counter() - started:.1f} s ({url})")
        if args.proposed_indexes:
            _add_proposed_indexes(sessions)
        _analyze(sessions)
        client = _signed_in_client(sessions, url, person_id)
        rows = [_time(client, s, args.runs) for s in scenarios(person_id, task_id)]
        _print_table(rows, args.runs)
        sessions.kw["bind"].dispose()
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the web pages on many tasks.")
    parser.add_argument("--tasks", type=int, default=100_000, help="how many tasks to make")
    parser.add_argument("--runs", type=int, default=30, help="requests per page")
    parser.add_argument("--database-url", help="an EMPTY database to use instead of SQLite")
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="also create the indexes proposed for the task list (in the bench database only)",
    )
    return parser.parse_args(argv)


def _analyze(sessions: sessionmaker[Session]) -> None:
    # A live PostgreSQL has statistics and a visibility map from autovacuum; a table filled
    # a second ago has neither and gets plans no real database would. SQLite is left as it
    # is: nothing analyses it in production either.
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE task"))


def _add_proposed_indexes(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as db:
        statements = list(PROPOSED_INDEXES)
        if db.get_bind().dialect.name == "postgresql":
            statements += PROPOSED_POSTGRES_INDEXES
        for statement in statements:
            db.execute(text(statement))
    print("with the proposed indexes:\n  " + ";\n  ".join(statements))


def _database(url: str) -> sessionmaker[Session]:
    engine = make_engine(url, pool_size=2)
    upgrade(engine)
    return make_session_factory(engine)


def fill(sessions: sessionmaker[Session], count: int, rng: random.Random) -> tuple[int, int]:
    """Add people, models and `count` tasks spread over the last DAYS days."""
    with sessions.begin() as db:
        people = [_person(n) for n in range(40)]
        db.add_all(people)
        db.flush()
        models = [_model(name, people[n].id) for n, name in enumerate(MODELS)]
        db.add_all(models)
        db.flush()
        refs = [(p.id, p.name) for p in people], [(m.id, m.name) for m in models]
    now = datetime.now(UTC)
    for chunk in _chunks(count):
        with sessions.begin() as db:
            db.execute(insert(Task), [_task(n, count, now, refs, rng) for n in chunk])
    with sessions() as db:
        last = db.scalar(select(Task.id).order_by(Task.id.desc()).limit(1)) or 1
    return refs[0][0][0], last


def _chunks(count: int) -> Iterator[range]:
    for start in range(0, count, CHUNK):
        yield range(start, min(start + CHUNK, count))


def _person(number: int) -> Person:
    return Person(slack_user_id=f"U{number:07d}", slack_team_id="T0001", name=f"Person {number}")


def _model(name: str, maintainer_id: int) -> LlmModel:
    return LlmModel(
        name=name,
        base_url=f"https://{name}.llm.example/v1",
        provider_model=name,
        api_key_encrypted="not-a-real-ciphertext",
        api_key_hint="sk-…abcd",
        maintainer_id=maintainer_id,
    )


def _task(
    number: int, count: int, now: datetime, refs: tuple[list[Any], list[Any]], rng: random.Random
) -> dict[str, Any]:
    people, models = refs
    creator_id, _ = rng.choice(people)
    model_id, model_name = rng.choice(models)
    created = now - timedelta(days=DAYS) * (1 - number / count)
    status = _status(number, count, rng)
    seconds = rng.lognormvariate(1.2, 0.8)
    topic = "walruses" if rng.random() < 0.0005 else rng.choice(TOPICS)
    finished = status.finished
    return {
        "name": f"About {topic}"[:60],
        "creator_id": creator_id,
        "prompt": f"Tell me about {topic}. " + FILLER * rng.randint(1, 3),
        "model_id": model_id,
        "model_name": model_name,
        "status": status,
        "answer": ANSWER * rng.randint(2, 6) if status is TaskStatus.SUCCESS else None,
        "error": "timed out after 60 s" if status is TaskStatus.FAILURE else None,
        "created_at": created,
        "started_at": created + timedelta(seconds=0.2) if status != TaskStatus.PENDING else None,
        "finished_at": created + timedelta(seconds=seconds) if finished else None,
        "total_tokens": rng.randint(50, 3000) if status is TaskStatus.SUCCESS else None,
        "attempts": 1,
    }


def _status(number: int, count: int, rng: random.Random) -> TaskStatus:
    if number >= count - 3:
        return TaskStatus.RUNNING
    roll = rng.random()
    if roll < 0.05:
        return TaskStatus.FAILURE
    if roll < 0.07:
        return TaskStatus.CANCELLED
    return TaskStatus.SUCCESS


def _signed_in_client(sessions: sessionmaker[Session], url: str, person_id: int) -> FlaskClient:
    app = flask.Flask(__name__)
    init_web(app, Settings(secret_key="bench", database_url=url), sessions)
    client = app.test_client()
    with sessions.begin() as db:
        person = db.get(Person, person_id)
        assert person is not None
        token = create_sign_in_token(db, person, timedelta(minutes=5))
    client.get(f"/signin/{token}")
    with client.session_transaction() as cookie:
        csrf = cookie["csrf_token"]
    response = client.post(f"/signin/{token}", data={"csrf_token": csrf})
    assert response.status_code == 302, "the bench could not sign in"
    return client


def _time(client: FlaskClient, scenario: Scenario, runs: int) -> tuple[str, list[float]]:
    client.get(scenario.path)  # warm caches and templates
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(scenario.path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{scenario.path} answered {response.status_code}")
    return scenario.label, timings


def _print_table(rows: list[tuple[str, list[float]]], runs: int) -> None:
    print(f"\n{'page':<30} {'p50 ms':>8} {'p95 ms':>8}   ({runs} requests each)")
    for label, timings in rows:
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
        print(f"{label:<30} {statistics.median(timings):>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    sys.exit(main())
