"""A throwaway database for one run: a SQLite file in a temp dir, or a fresh PostgreSQL DB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg


@contextmanager
def temp_database(kind: str, tmp: Path, postgres_admin_url: str) -> Iterator[str]:
    """Yield the SQLAlchemy URL of an empty database that is gone afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'promptdesk.db'}"
        return
    name = f"promptdesk_bench_{uuid.uuid4().hex[:10]}"
    _admin(postgres_admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{urlsplit(postgres_admin_url).netloc}/{name}"
    finally:
        _admin(postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(admin_url: str, statement: str) -> None:
    """Run one statement outside a transaction on the admin database."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)  # type: ignore[arg-type]
