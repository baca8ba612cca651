"""Group commit for the inbox: rows from many requests land in one transaction every few ms."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Table

from hub.store.db import Database
from hub.store.models import InboxItem

WINDOW_SECONDS = 0.0  # flush when idle; rows gather while a commit runs
INBOX_TABLE: Table = InboxItem.__table__  # type: ignore[assignment]
MAX_BATCH = 500


class InboxWriter:
    """Collects inbox rows and commits them together; each caller waits for its commit."""

    def __init__(self, db: Database, window: float = WINDOW_SECONDS) -> None:
        self._db = db
        self._window = window
        self._pending: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, values: dict[str, Any]) -> bool:
        """Store one inbox row; True when new, False when its activity id was already stored."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((values, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        """Wait one window, then commit what has gathered, until nothing is left."""
        await asyncio.sleep(self._window)
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        try:
            fresh = await self._insert([values for values, _ in batch])
        except Exception as error:  # every waiting request learns that its row was not stored
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for values, future in batch:
            if not future.done():
                future.set_result(fresh.pop(values["activity_uri"], None) is values)

    async def _insert(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Insert the rows whose activity id is new; return them by activity id."""
        fresh: dict[str, dict[str, Any]] = {}
        for row in rows:
            fresh.setdefault(row["activity_uri"], row)  # the first of a batch's duplicates wins
        stored = await self._db.bulk.insert_new(INBOX_TABLE, "activity_uri", list(fresh.values()))
        return {uri: row for uri, row in fresh.items() if uri in stored}
