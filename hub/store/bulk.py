"""Insert many rows in one transaction, skipping rows whose unique key is already stored.

Group commit lives or dies by the cost of one batch. Through aiosqlite a batch takes about six
thread round trips (begin, select, insert, commit...), each waiting for a busy event loop, and
SQLAlchemy's statement machinery costs more than SQLite's own work for a few rows. On SQLite a
batch is therefore one round trip to a writer thread that runs one prepared INSERT per row on
the driver's cursor, with the column types' own bind processors; PostgreSQL gets one
`INSERT ... ON CONFLICT DO NOTHING RETURNING` through the async engine.

SQLite's automatic WAL checkpoint runs inside the COMMIT that crosses its threshold, and it
writes and syncs megabytes: a batch that met one took ten times as long as the others, and so
did every request waiting on it. The writer's connection therefore never checkpoints; a second
thread runs a passive checkpoint (which neither blocks nor waits for writers) after every few
hundred rows written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Engine, Table, create_engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.store import sqlite

Rows = list[dict[str, Any]]
Processor = Callable[[Any], Any] | None
CHECKPOINT_EVERY_ROWS = 400  # about 1 MB of inbox rows; SQLite's own default is 4 MB of pages


class BulkInserter:
    """Inserts batches of rows into one table, ignoring rows whose unique key exists."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: _SqliteWriter | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._checkpoints: _Checkpointer | None = None
        if engine.dialect.name == "sqlite":
            self._sync = _SqliteWriter(_sqlite_writer_engine(engine))
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="hub-sqlite-writer")
            self._checkpoints = _Checkpointer(_sqlite_writer_engine(engine))

    async def insert_new(self, table: Table, key: str, rows: Rows) -> set[Any]:
        """Insert the rows whose `key` value is new; return the key values inserted."""
        if not rows:
            return set()
        if self._sync is None:
            statement = postgresql_insert(table).on_conflict_do_nothing(index_elements=[key])
            async with self._engine.begin() as connection:
                result = await connection.execute(statement.returning(table.c[key]), rows)
                return set(result.scalars())
        loop = asyncio.get_running_loop()
        sync = self._sync
        inserted = await loop.run_in_executor(self._thread, _sqlite_insert, sync, table, key, rows)
        if self._checkpoints is not None:
            self._checkpoints.written(len(rows))
        return inserted

    def dispose(self) -> None:
        """Close the writer and checkpoint threads and their connections."""
        if self._thread is not None and self._sync is not None:
            self._thread.submit(self._sync.close).result()
            self._thread.shutdown(wait=True)
        if self._checkpoints is not None:
            self._checkpoints.close()


def _sqlite_writer_engine(engine: AsyncEngine) -> Engine:
    url = make_url(engine.url).set(drivername="sqlite")
    writer = create_engine(url, pool_size=1, max_overflow=0)
    sqlite.configure(writer)
    return writer


def _sqlite_insert(writer: _SqliteWriter, table: Table, key: str, rows: Rows) -> set[Any]:
    given = {name: None for row in rows for name in row}
    defaults = {c.name: c.default for c in table.columns if c.name not in given and c.default}
    columns = [table.c[name] for name in [*given, *defaults]]
    dialect = writer.engine.dialect
    sql = _insert_sql(dialect, table, columns, table.c[key])
    processors = [(column.name, _processor(column, dialect)) for column in columns]
    inserted = set()
    with writer.transaction() as cursor:
        for row in rows:
            values = {**row, **{name: _default(d) for name, d in defaults.items()}}
            cursor.execute(sql, [_bound(values.get(n), process) for n, process in processors])
            if cursor.rowcount == 1:
                inserted.add(row[key])
    return inserted


class _Checkpointer:
    """Runs passive WAL checkpoints on a thread of its own, at most one at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="hub-sqlite-checkpoint")
        self._connection: Any = None
        self._rows = 0
        self._running: Future[None] | None = None

    def written(self, rows: int) -> None:
        """Count rows the writer committed; start a checkpoint once enough have gathered."""
        self._rows += rows
        if self._rows < CHECKPOINT_EVERY_ROWS:
            return
        if self._running is not None and not self._running.done():
            return
        self._rows = 0
        self._running = self._thread.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        if self._connection is None:
            self._connection = self._engine.raw_connection()
        _run(self._connection, "PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Finish a running checkpoint, then close the connection and the thread."""
        self._thread.submit(self._close).result()
        self._thread.shutdown(wait=True)

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()


class _SqliteWriter:
    """One driver connection, used only on the writer thread, that writes under BEGIN IMMEDIATE."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Any = None

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor inside BEGIN IMMEDIATE ... COMMIT, rolled back on error."""
        if self._connection is None:
            self._connection = self.engine.raw_connection()  # pragmas set on connect
            _run(self._connection, "PRAGMA wal_autocheckpoint=0")  # see _Checkpointer
        cursor = self._connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        else:
            cursor.execute("COMMIT")
        finally:
            cursor.close()

    def close(self) -> None:
        """Give the connection back and close the engine."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()


def _run(connection: Any, statement: str) -> None:
    cursor = connection.cursor()
    try:
        cursor.execute(statement)
        cursor.fetchall()
    finally:
        cursor.close()


def _insert_sql(
    dialect: Dialect, table: Table, columns: list[Column[Any]], key: Column[Any]
) -> str:
    quote = dialect.identifier_preparer
    names = ", ".join(quote.format_column(column) for column in columns)
    marks = ", ".join("?" for _ in columns)
    target = f"{quote.format_table(table)} ({names})"
    conflict = f"ON CONFLICT ({quote.format_column(key)}) DO NOTHING"
    return f"INSERT INTO {target} VALUES ({marks}) {conflict}"


def _processor(column: Column[Any], dialect: Dialect) -> Processor:
    return column.type.bind_processor(dialect)


def _default(default: Any) -> Any:
    # A Python-side column default: a constant, or a callable SQLAlchemy wrapped to take
    # the execution context (which none of ours reads).
    return default.arg(None) if default.is_callable else default.arg


def _bound(value: Any, process: Processor) -> Any:
    return value if process is None else process(value)
