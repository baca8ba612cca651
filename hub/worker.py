"""The background worker: `run_once()` does what is due, `run_forever()` repeats it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from hub import oauth, scheduled, sessions, stats
from hub.accounts import purge_expired_links
from hub.dispatch import process_batch
from hub.events.organiser import purge_personal_data
from hub.events.reminders import send_reminders
from hub.events.service import extend_series
from hub.federation import Federation
from hub.host_health import prune_hosts
from hub.mail import send_due
from hub.moderation.coops import purge_suspended
from hub.sender import deliver_due
from hub.store.types import utcnow

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0
INBOX_BATCH = 200
SERIES_EVERY_SECONDS = 600.0
REMINDERS_EVERY_SECONDS = 60.0
PURGE_EVERY_SECONDS = 3600.0
SNAPSHOT_EVERY_SECONDS = 3600.0


class _Throttle:
    """Says whether a job is due again for this federation context (one per process)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.owner: object | None = None  # held, so a new context is never mistaken for it
        self.last = 0.0

    def due(self, owner: object, at: datetime | None = None) -> bool:
        """True for a new context, or when `every` seconds have passed (on `at`'s clock)."""
        now = at.timestamp() if at is not None else time.monotonic()
        if owner is self.owner and abs(now - self.last) < self.every:
            return False
        self.owner, self.last = owner, now
        return True


_series = _Throttle(SERIES_EVERY_SECONDS)
_suspended = _Throttle(SERIES_EVERY_SECONDS)
_reminders = _Throttle(REMINDERS_EVERY_SECONDS)
_purge = _Throttle(PURGE_EVERY_SECONDS)
_followers = _Throttle(SNAPSHOT_EVERY_SECONDS)


async def run_once(federation: Federation, now: datetime | None = None) -> int:
    """Do every job that is due now (`now` for tests that step the clock); how many items."""
    db = federation.db
    handled = 0
    await federation.gate.fresh(db)
    forget = federation.receiver.keys.forget_owner
    while handled < INBOX_BATCH:
        processed = await process_batch(db, federation.fetcher, federation.uris, forget)
        if processed == 0:
            break
        handled += processed
    # Before sending: the reminders' deliveries go out in this same step.
    handled += await _event_chores(federation, now or utcnow())
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
    handled += await _purge_suspended(federation, now or utcnow())
    handled += await send_due(db, federation.settings)
    await _snapshot_followers(federation, now or utcnow())
    return handled


async def _event_chores(federation: Federation, now: datetime) -> int:
    """Reminders every minute, wiping old participants' personal data every hour."""
    handled = 0
    if _reminders.due(federation, now):
        async with federation.db.begin() as session:
            locks = not federation.db.is_sqlite
            handled += await send_reminders(session, federation.uris, now, locks)
    if _purge.due(federation, now):
        async with federation.db.begin() as session:
            handled += await purge_personal_data(session, now)
    return handled


async def _extend_series(federation: Federation) -> int:
    """Keep every series materialised to its horizon; checked every few minutes, not per step."""
    if not _series.due(federation):
        return 0
    async with federation.db.begin() as session:
        return await extend_series(session, federation.uris, utcnow())


async def _purge_suspended(federation: Federation, now: datetime) -> int:
    """Purge coops suspended more than 30 days ago; checked every few minutes, not per step."""
    if not _suspended.due(federation, now):
        return 0
    async with federation.db.begin() as session:
        return await purge_suspended(session, now)


async def _snapshot_followers(federation: Federation, now: datetime) -> None:
    """Keep today's follower counts for the reach charts; refreshed hourly, one row a day."""
    if not _followers.due(federation, now):
        return
    # Another worker may write the same day's rows at the same moment; its rows are as good.
    with contextlib.suppress(IntegrityError):
        async with federation.db.begin() as session:
            await stats.snapshot_followers(session, now.date())


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
