"""Upkeep of per-host delivery health: hosts that reach us again, and bounded failure state.

Followers choose their inbox hosts, so an attacker can make us track any number of them
(SECURITY-CHECKLIST F11): failure rows expire and their number is capped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import RemoteHost

FAILURES_FORGOTTEN_AFTER = timedelta(days=30)
MAX_TRACKED_HOSTS = 10_000


def host_name(uri: str) -> str:
    """The lowercase host name (no port) that deliveries and host health are keyed by."""
    try:
        return (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return ""


async def host_reached_us(session: AsyncSession, host: str) -> bool:
    """A host that sent us an activity is available again; True when it was not."""
    result = await session.execute(
        update(RemoteHost)
        .where(RemoteHost.host == host, RemoteHost.unavailable_since.is_not(None))
        .values(unavailable_since=None, failure_days=0, last_failure_day=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def prune_hosts(session: AsyncSession, now: datetime, cap: int = MAX_TRACKED_HOSTS) -> int:
    """Forget recovered hosts and old failures, then the oldest rows above the cap."""
    cutoff = (now - FAILURES_FORGOTTEN_AFTER).date().isoformat()
    stale = await session.execute(
        delete(RemoteHost).where(
            RemoteHost.unavailable_since.is_(None),
            or_(RemoteHost.last_failure_day.is_(None), RemoteHost.last_failure_day < cutoff),
        )
    )
    removed = int(getattr(stale, "rowcount", 0) or 0)
    count = (await session.execute(select(func.count()).select_from(RemoteHost))).scalar_one()
    if count <= cap:
        return removed
    # Hosts we still try go first, oldest failure first; unavailable hosts last.
    oldest = (
        select(RemoteHost.id)
        .order_by(
            RemoteHost.unavailable_since.is_not(None),
            RemoteHost.last_failure_day,
            RemoteHost.id,
        )
        .limit(count - cap)
    )
    excess = list((await session.execute(oldest)).scalars())
    await session.execute(delete(RemoteHost).where(RemoteHost.id.in_(excess)))
    return removed + len(excess)
