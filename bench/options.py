"""Command-line options of the benchmark, and the defaults it measures with.

Web server defaults (the settings the README recommends for a 2-core machine):
`gunicorn 'app:create_app()' --workers 2 --worker-class gthread --threads 4`.

- One process per core: an ack is Python work (~8-10 ms of CPU: signature check, Bolt,
  one short transaction, one or two publishes to Redis), so the GIL caps a process at
  one core. A third process on two cores only competes with the Celery worker.
- A few threads per process, not sync workers: each ack also waits on SQLite's write
  lock (or a PostgreSQL round trip) and on Redis; four threads cover those waits. More
  threads only queue inside the process behind the GIL and hold more DB connections.
- Measured with 1,000 commands at once (2 runs each, SQLite): 2x4 p99 0.70 / 0.63 s,
  2x8 0.61 / 1.17 s, 3x4 0.59 / 0.70 s, 4x2 0.97 / 0.74 s; the time to all answers did
  not depend on it (29-37 s, set by the worker).
- gthread rather than gevent: nothing in the ack path is a long network wait, and the
  project's drivers (sqlite3, psycopg, redis-py) are plain blocking code.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bench.endpoint import MAX_ANSWER_CHARS
from settings import Settings

DESCRIPTION = "Send N signed /ask commands at once; measure promptdesk end to end."
DEFAULT_WEB_WORKERS = 2
DEFAULT_WEB_THREADS = 4
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Options:
    """What one benchmark run does."""

    tasks: int
    delay: float
    senders: int
    channels: int
    users: int
    db: str
    postgres_url: str
    redis_url: str
    web_workers: int
    web_threads: int
    worker_concurrency: int
    db_pool_size: int
    chunk_size: int
    chunk_delay: float
    answer_chars: int
    keep_alive: bool
    rss_runs: int
    timeout: float
    json: bool
    out: str | None
    profile: str | None


def project_defaults() -> Settings:
    """Return the project's own defaults (what `celery -A tasks worker` runs with)."""
    return Settings(secret_key="unused")


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    defaults = project_defaults()
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION)
    add = parser.add_argument
    add("--tasks", type=int, default=200, help="/ask commands per round (default 200)")
    add("--delay", type=float, default=2.0, help="seconds the endpoint waits before answering")
    add("--senders", type=int, default=16, help="threads sending commands at once")
    add("--channels", type=int, default=20, help="channels the commands are spread over")
    add("--users", type=int, default=40, help="Slack users the commands come from")
    add("--db", choices=["sqlite", "postgres"], default="sqlite")
    add("--postgres-url", default=POSTGRES_ADMIN_URL, help="admin URL to create the DB with")
    add("--redis-url", default=DEFAULT_REDIS_URL)
    add("--web-workers", type=int, default=DEFAULT_WEB_WORKERS, help="gunicorn --workers")
    add("--web-threads", type=int, default=DEFAULT_WEB_THREADS, help="gunicorn --threads")
    add("--worker-concurrency", type=int, default=defaults.worker_concurrency)
    add("--db-pool-size", type=int, default=defaults.db_pool_size)
    add("--chunk-size", type=int, default=20, help="characters per streamed chunk")
    add("--chunk-delay", type=float, default=0.0, help="seconds between streamed chunks")
    add("--answer-chars", type=int, default=0, help="fixed Markdown answer of this size (0: echo)")
    add("--keep-alive", action="store_true", help="one persistent connection per sender")
    add("--rss-runs", type=int, default=1, help="rounds of --tasks against the same worker")
    add("--timeout", type=float, default=120.0, help="seconds to wait for all answers")
    add("--json", action="store_true", help="print machine-readable results")
    add("--out", default=None, help="also write the results to this file")
    add("--profile", default=None, metavar="DIR", help="py-spy profiles of the rounds into DIR")
    return parser


def parse_options(argv: list[str] | None = None) -> Options:
    """Parse and check the command line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("tasks", "senders", "channels", "users", "web_workers", "web_threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.answer_chars <= MAX_ANSWER_CHARS:
        parser.error(f"--answer-chars must be between 0 and {MAX_ANSWER_CHARS}")
    if args.rss_runs < 1 or args.worker_concurrency < 1 or args.db_pool_size < 1:
        parser.error("--rss-runs, --worker-concurrency and --db-pool-size must be at least 1")
    return Options(**vars(args))
