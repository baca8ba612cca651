"""Timelines: public (the network's public posts) and home (the coop's and the network's)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from hub import statuses
from hub.statuses import TimelineRow
from hub.store.models import LocalActor
from web.api import counting, entities
from web.api.paging import cursor, link_header
from web.api.tokens import acting_coop, optional_grant, require_coop
from web.keys import DB, URIS
from web.pagecache import PAGES, Page
from web.params import flag
from web.responses import dumps, fail, json_bytes

HASHTAG = re.compile(r"[^\W_]\w{0,99}")


def routes() -> list[web.RouteDef]:
    """The timeline routes."""
    return [
        web.get("/api/v1/timelines/public", public),
        web.get("/api/v1/timelines/home", home),
        web.get("/api/v1/timelines/tag/{hashtag}", tag),
    ]


async def tag(request: web.Request) -> web.StreamResponse:
    """Public posts of the network with a hashtag, newest first."""
    grant = await optional_grant(request)
    name = request.match_info["hashtag"].lstrip("#")
    if not HASHTAG.fullmatch(name):
        fail(422, "Validation failed: not a hashtag")
    paging = cursor(request)
    if flag(dict(request.query), "remote"):
        return json_bytes(b"[]", "application/json")
    viewer = acting_coop(grant)

    async def render() -> Page:
        async with request.app[DB].read() as session:
            rows = await statuses.tag_timeline(session, name, paging, viewer)
            return await _page(request, session, rows)

    return await _answer(request, viewer, render)


async def public(request: web.Request) -> web.StreamResponse:
    """Public posts of our coops, newest first; `remote=true` is empty (we keep no others)."""
    grant = await optional_grant(request)
    paging = cursor(request)
    if flag(dict(request.query), "remote"):
        return json_bytes(b"[]", "application/json")
    viewer = acting_coop(grant)

    async def render() -> Page:
        async with request.app[DB].read() as session:
            rows = await statuses.public_timeline(session, paging, viewer)
            return await _page(request, session, rows)

    return await _answer(request, viewer, render)


async def home(request: web.Request) -> web.StreamResponse:
    """The token's coop's home timeline (see hub.timeline.home_posts), newest first."""
    grant = await require_coop(request, "read:statuses")
    coop = grant.coop
    assert coop is not None
    paging = cursor(request)

    async def render() -> Page:
        async with request.app[DB].read() as session:
            rows = await statuses.home_timeline(session, request.app[URIS], coop, paging)
            return await _page(request, session, rows)

    return await _answer(request, coop, render)


async def _answer(
    request: web.Request, viewer: LocalActor | None, render: Callable[[], Awaitable[Page]]
) -> web.StreamResponse:
    # Pages depend on the viewer (its favourites and boosts, its home): cached per viewer.
    body, ids = await request.app[PAGES].page(request, viewer.id if viewer else 0, render)
    return json_bytes(body, "application/json", headers=link_header(request, ids))


async def _page(request: web.Request, session: Any, rows: Sequence[TimelineRow]) -> Page:
    uris = request.app[URIS]
    authors: dict[int, dict[str, Any]] = {}
    for _post, actor, _stats in rows:
        if actor.id not in authors:
            found = await counting.counts(request, session, actor)
            authors[actor.id] = entities.account(actor, uris, found)
    body = [
        entities.status(post, authors[actor.id], uris, stats=stats) for post, actor, stats in rows
    ]
    return dumps(body), [post.id for post, _, _ in rows]
