"""Account counts for API entities, cached briefly: counting a coop's posts on every status of
a timeline would cost more than the timeline itself (bench/api.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from hub import statuses
from hub.statuses import Counts
from hub.store.models import LocalActor
from web.keys import CACHE

COUNTING = web.AppKey("counting", dict[int, "asyncio.Future[Counts]"])


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
    counting = request.app[COUNTING]
    pending = counting.get(actor.id)
    if pending is not None:
        return await asyncio.shield(pending)
    pending = asyncio.get_running_loop().create_future()
    counting[actor.id] = pending
    try:
        found = await statuses.counts(session, actor)
    except asyncio.CancelledError:
        pending.cancel()
        raise
    except Exception as error:
        pending.set_exception(error)
        pending.exception()  # marked as retrieved: nobody may be waiting
        raise
    finally:
        del counting[actor.id]
    cache.put(
        _key(actor.id), 200, json.dumps([found.followers, found.following, found.statuses]).encode()
    )
    pending.set_result(found)
    return found


def forget(request: web.Request, actor_id: int) -> None:
    """Drop the cached counts after this process changed them."""
    request.app[CACHE].discard(_key(actor_id))
