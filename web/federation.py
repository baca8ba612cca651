"""ActivityPub GET endpoints: actors, their collections, notes and avatars."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.access import may_read
from hub.activitypub.collections import ordered_collection, ordered_collection_page
from hub.activitypub.vocab import create_activity
from hub.actors.collections import (
    CollectionName,
    collection_page,
    collection_size,
    note_json,
)
from hub.actors.documents import actor_json
from hub.actors.local import find_actor, instance_actor
from hub.avatars import default_avatar
from hub.posts import find_post
from hub.store.models import ActorKind, LocalActor
from web.keys import CACHE, DB, FEDERATION, SETTINGS, URIS
from web.negotiation import activitypub_content_type, wants_activitypub
from web.profile_pages import note_page, profile_page
from web.responses import dumps, error_body, fail, json_bytes

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
VARY = {"Vary": "Accept"}
MAX_CURSOR = 2**63 - 1


def routes() -> list[web.RouteDef]:
    """The federation GET routes."""
    collections = "{collection:followers|following|outbox|featured}"
    return [
        web.get("/users/{username}", actor),
        web.get("/users/{username}/" + collections, collection),
        web.get("/users/{username}/avatar.png", avatar),
        web.get("/users/{username}/moderators", moderators),
        web.get(r"/users/{username}/statuses/{post_id:\d+}", note),
        web.get(r"/users/{username}/statuses/{post_id:\d+}/activity", note_activity),
        web.get("/actor", instance),
        web.get("/actor/" + collections, collection),
        web.get("/actor/avatar.png", avatar),
    ]


async def actor(request: web.Request) -> web.StreamResponse:
    """One URL per actor: ActivityPub JSON for fediverse servers, a profile page for people."""
    username = request.match_info["username"]
    if username != username.lower():
        raise web.HTTPMovedPermanently(request.app[URIS].actor(username.lower()))
    if not wants_activitypub(request):
        return await profile_page(request, username)
    content_type = activitypub_content_type(request)
    key = f"actor:{username}:{content_type}"
    cached = request.app[CACHE].get(key)
    if cached is None:
        async with request.app[DB].read() as session:
            found = await find_actor(session, username)
        cached = _actor_answer(found, request.app[URIS].actor(username), request)
        request.app[CACHE].put(key, *cached)
    status, body = cached
    if status == 404:  # cached too, so unknown names cannot hammer the database
        return json_bytes(body, "application/json", status=404, headers=VARY)
    return json_bytes(body, content_type, status=status, headers=VARY)


def _actor_answer(found: LocalActor | None, url: str, request: web.Request) -> tuple[int, bytes]:
    if found is None or found.kind == ActorKind.instance:
        return 404, error_body("no such actor")
    if found.deleted_at is not None:
        return 410, dumps(_tombstone(url, found))
    return 200, dumps(actor_json(found, request.app[URIS]))


def _tombstone(url: str, found: LocalActor) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": url,
        "type": "Tombstone",
        "formerType": "Organization",
        "deleted": found.deleted_at.strftime("%Y-%m-%dT%H:%M:%SZ") if found.deleted_at else None,
    }


async def instance(request: web.Request) -> web.StreamResponse:
    """The instance actor (FEP-2677), always as JSON."""
    cached = request.app[CACHE].get("instance")
    if cached is None:
        async with request.app[DB].read() as session:
            found = await instance_actor(session)
        cached = (200, dumps(actor_json(found, request.app[URIS])))
        request.app[CACHE].put("instance", *cached)
    return json_bytes(cached[1], activitypub_content_type(request), headers=VARY)


async def collection(request: web.Request) -> web.StreamResponse:
    """An OrderedCollection, or one page of it with `?page=true[&max_id=N]`."""
    name = CollectionName(request.match_info["collection"])
    before = _cursor(request)
    uris = request.app[URIS]
    async with request.app[DB].read() as session:
        owner = await _live_owner(request, session)
        collection_id = _collection_id(request, owner, name)
        if request.query.get("page") not in {"true", "1"}:
            total = await collection_size(session, owner, name)
            document = ordered_collection(collection_id, total, uris.page(collection_id))
        else:
            page = await collection_page(session, owner, name, uris, before)
            next_url = uris.page(collection_id, page.next_before) if page.next_before else None
            document = ordered_collection_page(
                uris.page(collection_id, before), collection_id, page.items, next_url
            )
    return json_bytes(dumps(document), activitypub_content_type(request))


def _cursor(request: web.Request) -> int | None:
    raw = request.query.get("max_id")
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_CURSOR:
        fail(400, "max_id must be a positive whole number")
    return int(raw)


def _collection_id(request: web.Request, owner: LocalActor, name: CollectionName) -> str:
    uris = request.app[URIS]
    urls = uris.actor_urls(owner.username, instance=owner.kind == ActorKind.instance)
    return str(getattr(urls, name.value))


async def _live_owner(request: web.Request, session: Any) -> LocalActor:
    username = request.match_info.get("username")
    if username is None:
        return await instance_actor(session)
    found = await find_actor(session, username)
    if found is None or found.kind == ActorKind.instance:
        fail(404, "no such actor")
    if found.deleted_at is not None:
        fail(410, "this actor was deleted")
    return found


async def moderators(request: web.Request) -> web.StreamResponse:
    """The network Group's moderators (FEP-1b12 `attributedTo`), as configured."""
    async with request.app[DB].read() as session:
        owner = await _live_owner(request, session)
    if owner.kind != ActorKind.network:
        fail(404, "only the network has moderators")
    items = list(request.app[SETTINGS].network_moderators)
    document = {
        "@context": AS_CONTEXT,
        "id": request.app[URIS].moderators(owner.username),
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }
    return json_bytes(dumps(document), activitypub_content_type(request))


async def avatar(request: web.Request) -> web.StreamResponse:
    """The actor's default avatar as PNG."""
    async with request.app[DB].read() as session:
        owner = await _live_owner(request, session)
    body = default_avatar(owner.username, owner.name)
    return web.Response(
        body=body,
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


async def note(request: web.Request) -> web.StreamResponse:
    """A public or unlisted post, as a Note or as a page."""
    owner, post = await _visible_post(request)
    if wants_activitypub(request):
        document = note_json(post, owner, request.app[URIS])
        body = dumps({"@context": AS_CONTEXT, **document})
        return json_bytes(body, activitypub_content_type(request), headers=VARY)
    return await note_page(request, owner, post)


async def note_activity(request: web.Request) -> web.StreamResponse:
    """The Create that published a post."""
    owner, post = await _visible_post(request)
    uris = request.app[URIS]
    activity = create_activity(
        uris.create_activity(owner.username, post.id), note_json(post, owner, uris)
    )
    body = dumps({"@context": AS_CONTEXT, **activity})
    return json_bytes(body, activitypub_content_type(request))


async def _visible_post(request: web.Request) -> tuple[LocalActor, Any]:
    async with request.app[DB].read() as session:
        owner = await _live_owner(request, session)
        post = await find_post(session, owner, int(request.match_info["post_id"]))
    if post is None:
        fail(404, "no such post")
    if post.deleted_at is not None:
        fail(410, "this post was deleted")
    context = request.app[FEDERATION]
    signed = (request.method, request.path_qs, request.headers, None)
    lookup = context.receiver.keys.lookup  # the inbox's key cache
    if not await may_read(context.db, lookup, context.settings.domain, post, owner, signed):
        fail(404, "no such post")  # never say that a private post exists (A10)
    return owner, post
