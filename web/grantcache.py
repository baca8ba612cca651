"""What bearer tokens may do, kept for a second per process: an app's burst of requests costs one
token lookup, not one each.

A lookup through aiosqlite is several thread round trips (about 2 ms of CPU here), more than a
cached timeline page costs to serve. Every write through this process's web app forgets all
grants at once (see web.pagecache), so revoking a token or a membership here takes effect on the
next request; a revocation by another process (the CLI) takes effect within TTL_SECONDS.
"""

from __future__ import annotations

import time

from aiohttp import web

from hub import oauth
from hub.oauth import Grant
from web.keys import DB
from web.singleflight import SingleFlight

TTL_SECONDS = 1.0
MAX_GRANTS = 10_000


class GrantCache:
    """Grants by token digest, each for TTL_SECONDS; unknown or revoked tokens are not kept."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._generation = 0
        self._grants: dict[str, tuple[float, Grant]] = {}
        self._lookups: SingleFlight[str, Grant | None] = SingleFlight()

    async def grant(self, request: web.Request, token: str) -> Grant | None:
        """The token's grant, from memory when looked up less than TTL_SECONDS ago."""
        key = oauth.digest(token)
        kept = self._grants.get(key)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        generation = self._generation
        return await self._lookups.run(key, lambda: self._look_up(request, token, key, generation))

    async def _look_up(
        self, request: web.Request, token: str, key: str, generation: int
    ) -> Grant | None:
        async with request.app[DB].read() as session:
            grant = await oauth.grant_for(session, token)
        if grant is not None and generation == self._generation:
            if len(self._grants) >= MAX_GRANTS:
                self._grants.clear()
            self._grants[key] = (time.monotonic() + self._ttl, grant)
        return grant

    def clear(self) -> None:
        """Forget every grant (after a write through this process)."""
        self._grants.clear()
        self._lookups.forget()
        self._generation += 1


GRANTS = web.AppKey("grants", GrantCache)
