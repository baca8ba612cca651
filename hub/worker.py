"""The background worker: `run_once()` does what is due, `run_forever()` repeats it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from hub import oauth, scheduled, sessions
from hub.accounts import purge_expired_links
from hub.dispatch import process_one
from hub.events.service import extend_series
from hub.federation import Federation
from hub.host_health import prune_hosts
from hub.sender import deliver_due
from hub.store.types import utcnow

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0
INBOX_BATCH = 200
SERIES_EVERY_SECONDS = 600.0


class _Throttle:
    """Says whether a job is due again for this federation context (one per process)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.owner: object | None = None  # held, so a new context is never mistaken for it
        self.last = 0.0

    def due(self, owner: object) -> bool:
        """True for a new context, or when `every` seconds have passed."""
        now = time.monotonic()
        if owner is self.owner and now - self.last < self.every:
            return False
        self.owner, self.last = owner, now
        return True


_series = _Throttle(SERIES_EVERY_SECONDS)


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
        await prune_hosts(session, utcnow())
        handled += await sessions.purge_expired(session)
        handled += await oauth.purge_codes(session)
    async with db.begin() as session:
        handled += await scheduled.publish_due(session, federation.uris, utcnow())
    handled += await _extend_series(federation)
    return handled


async def _extend_series(federation: Federation) -> int:
    """Keep every series materialised to its horizon; checked every few minutes, not per step."""
    if not _series.due(federation):
        return 0
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
