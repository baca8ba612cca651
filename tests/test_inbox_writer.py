"""Group commit of inbox rows: every row stored once, duplicates told apart, nothing lost."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.inbox_writer import INBOX_TABLE, InboxWriter
from hub.store.bulk import CHECKPOINT_EVERY_ROWS
from hub.store.db import Database
from hub.store.models import InboxItem, InboxState


def row(n: int) -> dict[str, Any]:
    uri = f"https://a.test/activities/{n}"
    return {
        "activity_uri": uri,
        "actor_uri": "https://a.test/users/1",
        "local_actor_id": None,
        "ap_json": {"id": uri, "type": "Like"},
        "state": InboxState.pending,
    }


async def test_concurrent_rows_are_committed_together_and_duplicates_are_reported(
    db: Database,
) -> None:
    writer = InboxWriter(db)
    results = await asyncio.gather(*(writer.add(row(n % 700)) for n in range(1000)))
    assert results[:700] == [True] * 700 and results[700:] == [False] * 300
    async with db.read() as session:
        assert (
            await session.execute(select(func.count()).select_from(InboxItem))
        ).scalar_one() == 700
    assert await writer.add(row(5)) is False
    assert await writer.add(row(5000)) is True


async def test_rows_added_while_a_commit_runs_are_not_forgotten(db: Database) -> None:
    writer = InboxWriter(db, window=0.0)
    first = asyncio.ensure_future(writer.add(row(1)))
    await asyncio.sleep(0)
    later = [asyncio.ensure_future(writer.add(row(n))) for n in range(2, 50)]
    assert await asyncio.wait_for(asyncio.gather(first, *later), timeout=10) == [True] * 49


async def test_a_failed_commit_fails_every_waiting_request(db: Database) -> None:
    writer = InboxWriter(db)
    broken = {**row(1), "state": None}  # violates NOT NULL
    outcome = await asyncio.gather(writer.add(broken), writer.add(row(2)), return_exceptions=True)
    assert all(isinstance(result, Exception) for result in outcome)
    async with db.read() as session:
        assert (
            await session.execute(select(func.count()).select_from(InboxItem))
        ).scalar_one() == 0


def large_row(n: int, size: int) -> dict[str, Any]:
    return {**row(n), "ap_json": {"id": row(n)["activity_uri"], "content": "x" * size}}


async def _write(db: Database, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 50):
        await db.bulk.insert_new(INBOX_TABLE, "activity_uri", rows[start : start + 50])


def _size(path: Path) -> int:
    return path.stat().st_size


async def _grows(path: Path, beyond: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while _size(path) <= beyond:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_the_sqlite_writer_never_checkpoints_inside_its_commits(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("WAL checkpoints are SQLite's")
    path = Path(str(db.engine.url.database))
    before = _size(path)
    # 8 MB of WAL, twice what makes SQLite checkpoint in a COMMIT, but fewer rows than
    # make the checkpoint thread start: the database file itself must not have grown.
    await _write(db, [large_row(n, 20_000) for n in range(CHECKPOINT_EVERY_ROWS - 1)])
    assert not await _grows(path, before + 1_000_000, seconds=0.5)


async def test_a_checkpoint_thread_moves_the_wal_into_the_database(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("WAL checkpoints are SQLite's")
    path = Path(str(db.engine.url.database))
    before = _size(path)
    await _write(db, [large_row(n, 5_000) for n in range(CHECKPOINT_EVERY_ROWS + 100)])
    assert await _grows(path, before + 1_000_000)
