"""A status's context (ancestors and descendants), its source, and editing it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import posts, statuses, threads
from hub.posts import Draft, PostError, PostNotFound
from hub.store.models import LocalActor
from hub.threads import Reply
from web.api import counting, entities, remote
from web.api.statuses import NOT_FOUND, answer, draft_from, media_ids
from web.api.tokens import optional_grant, require_coop
from web.keys import DB, URIS
from web.params import read_params
from web.responses import dumps, fail, json_bytes


def routes() -> list[web.RouteDef]:
    """Context, source and edit of a status."""
    return [
        web.get(r"/api/v1/statuses/{id:\d{1,18}}/context", context),
        web.get(r"/api/v1/statuses/{id:\d{1,18}}/source", source),
        web.put(r"/api/v1/statuses/{id:\d{1,18}}", edit),
    ]


async def context(request: web.Request) -> web.StreamResponse:
    """Our posts above a status, and every reply below it (ours and from the fediverse)."""
    grant = await optional_grant(request)
    viewer = grant.coop if grant else None
    uris = request.app[URIS]
    async with request.app[DB].read() as session:
        found = await statuses.find_status(session, int(request.match_info["id"]), viewer)
        if found is None:
            fail(404, NOT_FOUND)
        above = await threads.ancestors(session, uris, found[0], viewer)
        below = await threads.descendants(session, uris, found, viewer)
        cache: dict[int, dict[str, Any]] = {}
        body = {
            "ancestors": [await _local(request, session, cache, *row) for row in above],
            "descendants": [await _entity(request, session, cache, reply) for reply in below],
        }
    return json_bytes(dumps(body), "application/json")


async def _local(
    request: web.Request,
    session: Any,
    cache: dict[int, dict[str, Any]],
    post: Any,
    coop: LocalActor,
) -> dict[str, Any]:
    uris = request.app[URIS]
    if coop.id not in cache:
        cache[coop.id] = entities.account(coop, uris, await counting.counts(request, session, coop))
    return entities.status(post, cache[coop.id], uris)


async def _entity(
    request: web.Request, session: Any, cache: dict[int, dict[str, Any]], reply: Reply
) -> dict[str, Any]:
    uris = request.app[URIS]
    if reply.local is not None:
        return await _local(request, session, cache, *reply.local)
    assert reply.remote is not None
    note, actor = reply.remote
    parent = uris.post_id_of(note.in_reply_to_uri)
    parent_id = str(parent[1]) if parent else None
    return remote.remote_status(note, actor, parent_id)


async def source(request: web.Request) -> web.StreamResponse:
    """The text of one of the coop's statuses, for the edit form of apps."""
    grant = await require_coop(request, "read:statuses")
    assert grant.coop is not None
    async with request.app[DB].read() as session:
        post = await posts.find_post(session, grant.coop, int(request.match_info["id"]))
    if post is None or post.deleted_at is not None:
        fail(404, NOT_FOUND)
    body = {"id": str(post.id), "text": post.source_text, "spoiler_text": post.summary or ""}
    return json_bytes(dumps(body), "application/json")


async def edit(request: web.Request) -> web.StreamResponse:
    """Edit one of the coop's statuses: followers receive an Update; images stay as they were."""
    grant = await require_coop(request, "write:statuses")
    assert grant.coop is not None
    params = await read_params(request)
    post_id = int(request.match_info["id"])
    draft: Draft = draft_from(params)
    wanted = media_ids(params)
    try:
        async with request.app[DB].begin() as session:
            current = await posts.find_post(session, grant.coop, post_id)
            kept = [int(doc["media_id"]) for doc in current.attachments] if current else []
            if wanted and sorted(wanted) != sorted(kept):
                raise PostError("changing the images of a post is not supported")
            post = await posts.edit(session, request.app[URIS], grant.coop, post_id, draft)
    except PostNotFound:
        fail(404, NOT_FOUND)
    except PostError as error:
        fail(422, f"Validation failed: {error}")
    return await answer(request, post, grant.coop)
