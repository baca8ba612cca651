"""Account counts for API entities, cached briefly: counting a coop's posts on every status of
a timeline would cost more than the timeline itself (bench/api.py)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from hub import statuses
from hub.statuses import Counts
from hub.store.models import LocalActor
from web.keys import CACHE, DB
from web.singleflight import SingleFlight

COUNTING = web.AppKey("counting", SingleFlight[int, Counts])


def _key(actor_id: int) -> str:
    return f"api-counts:{actor_id}"


async def counts(request: web.Request, session: Any, actor: LocalActor) -> Counts:
    """The actor's followers, following and statuses; at most the cache's TTL old.

    When they expire, the first request counts anew and the others in flight wait for it: each
    of sixteen timeline renders counting ten coops at once stalled the server for a second.
    """
    cache = request.app[CACHE]
    cached = cache.get(_key(actor.id))
    if cached is not None:
        return Counts(*json.loads(cached[1]))
    return await request.app[COUNTING].run(actor.id, lambda: _count(request, actor))


async def _count(request: web.Request, actor: LocalActor) -> Counts:
    async with request.app[DB].read() as session:  # its own: the asking request may leave
        found = await statuses.counts(session, actor)
    cache_value = [found.followers, found.following, found.statuses]
    request.app[CACHE].put(_key(actor.id), 200, json.dumps(cache_value).encode())
    return found


def forget(request: web.Request, actor_id: int) -> None:
    """Drop the cached counts after this process changed them."""
    request.app[CACHE].discard(_key(actor_id))
