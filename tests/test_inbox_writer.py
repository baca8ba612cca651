"""Group commit of inbox rows: every row stored once, duplicates told apart, nothing lost."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from hub.inbox_writer import InboxWriter
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
