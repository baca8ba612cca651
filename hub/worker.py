"""The background worker: `run_once()` does what is due, `run_forever()` repeats it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hub.accounts import purge_expired_links
from hub.store.db import Database

log = logging.getLogger(__name__)
IDLE_SECONDS = 5.0


async def run_once(db: Database) -> int:
    """Do every job that is due now; return how many items were handled."""
    async with db.begin() as session:
        return await purge_expired_links(session)


async def run_forever(db: Database, stop: asyncio.Event, idle: float = IDLE_SECONDS) -> None:
    """Repeat `run_once` until `stop` is set, resting when there was nothing to do."""
    while not stop.is_set():
        try:
            handled = await run_once(db)
        except Exception:
            log.exception("worker step failed; trying again shortly")
            handled = 0
        if handled == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle)
