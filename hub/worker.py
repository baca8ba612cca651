"""The background worker: `run_once()` does what is due, `run_forever()` repeats it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from hub import oauth, sessions
from hub.accounts import purge_expired_links
from hub.dispatch import process_one
from hub.federation import Federation
from hub.sender import deliver_due

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0
INBOX_BATCH = 200


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
        handled += await sessions.purge_expired(session)
        handled += await oauth.purge_codes(session)
    return handled


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
