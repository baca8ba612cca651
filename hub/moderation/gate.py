"""The in-memory gate of one process: which servers and actors we refuse, without a query."""

from __future__ import annotations

import time
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import select

from hub.store.db import Database
from hub.store.models import DomainBlock, RemoteActor

TTL = 5.0  # other processes' changes reach this one within this many seconds


@lru_cache(maxsize=4096)
def bare_host(uri_or_host: str) -> str:
    """The lowercase host name of a URI or `host[:port]`, without port or trailing dot."""
    target = uri_or_host if "//" in uri_or_host else f"//{uri_or_host}"
    try:
        host = urlsplit(target).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def suffixes(host: str) -> list[str]:
    """The host and every parent domain: a block of example.org covers a.example.org."""
    parts = host.split(".")
    return [".".join(parts[index:]) for index in range(len(parts))]


class Gate:
    """Suspended and limited domains, suspended actors and the allow-list, refreshed by TTL."""

    def __init__(self, allowlist: bool = False, ttl: float = TTL) -> None:
        self.allowlist, self.ttl = allowlist, ttl
        self.suspended: frozenset[str] = frozenset()
        self.limited: frozenset[str] = frozenset()
        self.allowed: frozenset[str] = frozenset()
        self.actors: frozenset[str] = frozenset()
        self._until = 0.0

    def refuses_host(self, uri_or_host: str) -> bool:
        """True when we must neither accept from nor talk to this server."""
        names = suffixes(bare_host(uri_or_host))
        if any(name in self.suspended for name in names):
            return True
        return self.allowlist and not any(name in self.allowed for name in names)

    def refuses_actor(self, actor_uri: str) -> bool:
        """True for an actor that is suspended, or whose server is."""
        return actor_uri in self.actors or self.refuses_host(actor_uri)

    def limits_host(self, uri_or_host: str) -> bool:
        """True when the server is limited (silenced)."""
        return any(name in self.limited for name in suffixes(bare_host(uri_or_host)))

    def invalidate(self) -> None:
        """Make the next `fresh` reload (after a change made in this process)."""
        self._until = 0.0

    async def fresh(self, db: Database) -> None:
        """Reload when the TTL has passed; otherwise free.

        One caller reloads; requests arriving meanwhile use the lists as they were (a few
        seconds old at most) instead of each starting the same two queries.
        """
        if time.monotonic() < self._until:
            return
        self._until = time.monotonic() + self.ttl
        try:
            await self.refresh(db)
        except BaseException:
            self._until = 0.0
            raise

    async def refresh(self, db: Database) -> None:
        """Load the blocks and suspended actors now."""
        async with db.read() as session:
            rows = (await session.execute(select(DomainBlock.domain, DomainBlock.severity))).all()
            query = select(RemoteActor.uri).where(RemoteActor.suspended_at.is_not(None))
            actors = frozenset((await session.execute(query)).scalars())
        by = {severity: frozenset(d for d, s in rows if s == severity) for _, severity in rows}
        self.suspended = by.get("suspend", frozenset())
        self.limited = by.get("silence", frozenset())
        self.allowed = by.get("allow", frozenset())
        self.actors = actors
        self._until = time.monotonic() + self.ttl
