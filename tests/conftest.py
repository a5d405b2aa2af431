"""Fixtures: the fakes, a database per backend, a real worker, signed Slack users."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from app import create_app
from db.migrate import upgrade
from db.session import make_engine
from settings import Settings
from tests.fakes.llm_server import FakeLLM
from tests.fakes.slack_api import FakeSlack
from tests.stack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackUser,
    Stack,
    create_postgres_database,
    drop_postgres_database,
    require_redis,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeLLM]:
    with FakeLLM() as llm:
        yield llm


def stack_settings(database_url: str, slack: FakeSlack, **changes: object) -> Settings:
    """Return settings pointing at the fakes, a test queue and a database."""
    settings = Settings(
        secret_key="test-secret-key",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=database_url,
        redis_url=REDIS_URL,
        public_url="http://promptdesk.test",
        allow_private_model_urls=True,
        task_lease_seconds=3,
        worker_concurrency=50,
        celery_queue=f"promptdesk-test-{uuid.uuid4().hex[:8]}",
        db_pool_size=5,
    )
    return settings.with_changes(**changes)


@pytest.fixture(scope="session", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    fake_slack: FakeSlack,
    fake_llm: FakeLLM,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The product on one database backend, with one worker running."""
    require_redis(REDIS_URL)
    backend = request.param
    tmp = tmp_path_factory.mktemp(backend)
    if backend == "postgres":
        assert POSTGRES_URL is not None
        database_url = create_postgres_database(POSTGRES_URL)
    else:
        database_url = f"sqlite:///{tmp / 'promptdesk.db'}"
    upgrade(make_engine(database_url, pool_size=1))
    stack = Stack(backend, stack_settings(database_url, fake_slack), fake_slack, fake_llm, tmp)
    stack.start_worker(name="main")
    yield stack
    for worker in stack.workers:
        worker.stop()
    if backend == "postgres":
        assert POSTGRES_URL is not None
        drop_postgres_database(POSTGRES_URL, database_url)


@pytest.fixture()
def env(stack: Stack) -> Iterator[Stack]:
    """The stack, emptied for this test."""
    stack.clear()
    yield stack
    for worker in stack.workers[1:]:
        worker.stop()
    del stack.workers[1:]
    if stack.workers and stack.workers[0].process.poll() is not None:
        stack.workers.clear()
        stack.start_worker(name="main")


@pytest.fixture()
def app(env: Stack):  # type: ignore[no-untyped-def]
    """The real Flask app on the stack's database."""
    return create_app(env.settings)


@pytest.fixture()
def ada(app, env: Stack) -> SlackUser:  # type: ignore[no-untyped-def]
    """A person typing commands in channel C100."""
    env.slack.add_user("U111", "Ada Lovelace")
    return SlackUser(app.test_client(), env.slack, "U111", "ada")


@pytest.fixture()
def bob(app, env: Stack) -> SlackUser:  # type: ignore[no-untyped-def]
    """Another person in the same channel."""
    env.slack.add_user("U222", "Bob Builder")
    return SlackUser(app.test_client(), env.slack, "U222", "bob")
