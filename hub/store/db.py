"""Engine and session factory: SQLite (WAL, foreign keys) by default, PostgreSQL for scale."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hub.store import sqlite
from hub.store.bulk import BulkInserter
from hub.store.sqlite import IMMEDIATE


class Database:
    """An engine and its session factories: `begin()` to write, `read()` to only read."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_options)
        writer = self.engine.execution_options(**{IMMEDIATE: True})
        self._writes = async_sessionmaker(writer, expire_on_commit=False)
        self._reads = async_sessionmaker(self.engine, expire_on_commit=False)
        self.bulk = BulkInserter(self.engine)

    @property
    def is_sqlite(self) -> bool:
        """True when the backend is SQLite."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """A transaction that may write; commits on success, rolls back on error.

        On SQLite it takes the write lock at BEGIN (waiting up to the busy timeout), so a
        transaction that reads and then writes never fails on a stale snapshot.
        """
        async with self._writes() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads; it never waits for writers."""
        async with self._reads() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        self.bulk.dispose()
        await self.engine.dispose()


# Connections kept open for reuse. Beyond SQLAlchemy's default of five, each extra connection
# was opened and closed per use: on SQLite that is a new thread and four pragmas per read, which
# showed as latency spikes when sixteen inbox requests missed the key cache at once.
POOL_SIZE = {"sqlite": 20, "postgresql": 10}
MAX_OVERFLOW = 20


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """Create an async engine; on SQLite: WAL, foreign keys, busy timeout, our own BEGIN."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    in_memory = backend == "sqlite" and parsed.database in (None, "", ":memory:")
    if backend in POOL_SIZE and not in_memory and "poolclass" not in options:
        options.setdefault("pool_size", POOL_SIZE[backend])
        options.setdefault("max_overflow", MAX_OVERFLOW)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        sqlite.configure(engine.sync_engine)
    return engine
