"""The background worker: `run_once()` does what is due, `run_forever()` repeats it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from hub.accounts import purge_expired_links
from hub.dispatch import process_one
from hub.events.service import extend_series
from hub.federation import Federation
from hub.sender import deliver_due
from hub.store.types import utcnow

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0
INBOX_BATCH = 200
SERIES_EVERY_SECONDS = 600.0
_series_checked_at: dict[int, float] = {}


async def run_once(federation: Federation) -> int:
    """Do every job that is due now; return how many items were handled."""
    db = federation.db
    handled = 0
    forget = federation.receiver.keys.forget_owner
    while handled < INBOX_BATCH and await process_one(
        db, federation.fetcher, federation.uris, forget
    ):
        handled += 1
    lease = timedelta(seconds=federation.settings.delivery_lease_seconds)
    handled += await deliver_due(
        db, federation.http, federation.policy, federation.uris, lease=lease
    )
    async with db.begin() as session:
        handled += await purge_expired_links(session)
    handled += await _extend_series(federation)
    return handled


async def _extend_series(federation: Federation) -> int:
    """Keep every series materialised to its horizon; checked every few minutes, not per step."""
    key, now = id(federation), time.monotonic()
    if now - _series_checked_at.get(key, -SERIES_EVERY_SECONDS) < SERIES_EVERY_SECONDS:
        return 0
    _series_checked_at[key] = now
    async with federation.db.begin() as session:
        return await extend_series(session, federation.uris, utcnow())


async def run_forever(
    federation: Federation, stop: asyncio.Event, idle: float = IDLE_SECONDS
) -> None:
    """Repeat `run_once` until `stop` is set, resting when there was nothing to do."""
    while not stop.is_set():
        try:
            handled = await run_once(federation)
        except Exception:
            log.exception("worker step failed; trying again shortly")
            handled = 0
        if handled == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle)
