"""Account counts for API entities, cached briefly: counting a coop's posts on every status of
a timeline would cost more than the timeline itself (bench/api.py)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from hub import statuses
from hub.statuses import Counts
from hub.store.models import LocalActor
from web.keys import CACHE


def _key(actor_id: int) -> str:
    return f"api-counts:{actor_id}"


async def counts(request: web.Request, session: Any, actor: LocalActor) -> Counts:
    """The actor's followers, following and statuses; at most the cache's TTL old."""
    cache = request.app[CACHE]
    cached = cache.get(_key(actor.id))
    if cached is not None:
        return Counts(*json.loads(cached[1]))
    found = await statuses.counts(session, actor)
    cache.put(
        _key(actor.id), 200, json.dumps([found.followers, found.following, found.statuses]).encode()
    )
    return found


def forget(request: web.Request, actor_id: int) -> None:
    """Drop the cached counts after this process changed them."""
    request.app[CACHE].discard(_key(actor_id))
