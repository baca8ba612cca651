"""SQLite connection settings: WAL, foreign keys, busy timeout, and our own BEGIN."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

IMMEDIATE = "hub_begin_immediate"


def configure(engine: Engine) -> None:
    """Set the pragmas on every new connection and let `IMMEDIATE` choose the BEGIN."""
    event.listen(engine, "connect", _connect)
    event.listen(engine, "begin", _begin)


def _connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is turned off so that _begin decides
    # (SQLAlchemy's documented recipe for pysqlite and aiosqlite transactions).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
