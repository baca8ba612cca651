"""Favourite and boost a status (and take it back) as the token's coop."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import favourites
from hub.favourites import Target, TargetNotFound
from hub.store.models import InteractionKind
from web.api import counting, entities, remote
from web.api.statuses import NOT_FOUND
from web.api.tokens import require_coop
from web.keys import DB, URIS
from web.responses import dumps, fail, json_bytes

ACTIONS = {
    "favourite": (InteractionKind.like, True, "write:favourites"),
    "unfavourite": (InteractionKind.like, False, "write:favourites"),
    "reblog": (InteractionKind.announce, True, "write:statuses"),
    "unreblog": (InteractionKind.announce, False, "write:statuses"),
}


def routes() -> list[web.RouteDef]:
    """The four interaction routes."""
    return [web.post(r"/api/v1/statuses/{id:\d{1,18}}/" + name, interact) for name in ACTIONS]


async def interact(request: web.Request) -> web.StreamResponse:
    """Favourite, unfavourite, boost or unboost; repeating one changes nothing."""
    kind, doing, scope = ACTIONS[request.path.rsplit("/", 1)[1]]
    grant = await require_coop(request, scope)
    coop = grant.coop
    assert coop is not None
    uris = request.app[URIS]
    try:
        async with request.app[DB].begin() as session:
            target = await favourites.find_target(session, coop, int(request.match_info["id"]))
            change = favourites.act if doing else favourites.undo
            await change(session, uris, coop, target, kind)
            done = await favourites.done_by(session, coop, target)
            body = await _entity(session, request, target)
    except TargetNotFound:
        fail(404, NOT_FOUND)
    body["favourited"] = InteractionKind.like in done
    body["reblogged"] = InteractionKind.announce in done
    return json_bytes(dumps(body), "application/json")


async def _entity(session: Any, request: web.Request, target: Target) -> dict[str, Any]:
    uris = request.app[URIS]
    if target.local is not None:
        post, owner = target.local
        author = entities.account(owner, uris, await counting.counts(request, session, owner))
        return entities.status(post, author, uris)
    assert target.remote is not None
    note, actor = target.remote
    parent = uris.post_id_of(note.in_reply_to_uri)
    return remote.remote_status(note, actor, str(parent[1]) if parent else None)
