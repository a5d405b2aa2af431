"""Engines and session factories for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
_HOLDS_WRITER_LOCK = "promptdesk_holds_writer_lock"


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
    WriterQueue().attach(engine)
    return engine


class WriterQueue:
    """Lets one transaction of this process at a time hold SQLite's lock.

    SQLite has one writer at a time. Hundreds of threads polling its lock through
    busy_timeout back off for up to 100 ms each, so they queue on a Python lock
    instead, which wakes the next one the moment the last one ends; other processes
    still wait through busy_timeout.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def attach(self, engine: Engine) -> None:
        """Hook the queue to an engine's transactions and connection returns."""
        event.listen(engine, "begin", self._begin)
        event.listen(engine.pool, "checkin", self._release)

    def _begin(self, connection: Any) -> None:
        info = connection.info
        if not info.get(_HOLDS_WRITER_LOCK):
            self._lock.acquire()
            info[_HOLDS_WRITER_LOCK] = True
        # pysqlite defers BEGIN; take the lock at BEGIN IMMEDIATE so a transaction that
        # reads then writes never fails with "database is locked" on the upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _release(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_HOLDS_WRITER_LOCK, False):
            self._lock.release()


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
