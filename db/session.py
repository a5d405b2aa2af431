"""Engines and session factories for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, pool_size: int = 20) -> Engine:
    """Create an engine tuned for many short transactions from many threads."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, pool_size)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=60,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the factory of sessions; callers own each session's lifetime."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: str, pool_size: int) -> Engine:
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(
        url,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_timeout=60,
    )
    event.listen(engine, "connect", _tune_sqlite_connection)
    # pysqlite's own transaction handling defers BEGIN; take it over so that
    # writers take the lock at BEGIN IMMEDIATE and wait on busy_timeout instead of
    # failing with "database is locked" when they upgrade a read lock.
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
