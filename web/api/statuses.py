"""Statuses: post (JSON or form, Idempotency-Key), get and delete."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from hub import post_stats, posts, statuses
from hub.media import MAX_ATTACHMENTS, MediaError
from hub.posts import Draft, PostError
from hub.statuses import REMOTE_ID_OFFSET
from hub.store.models import LocalActor, Post, Visibility
from web.api import counting, entities, remote
from web.api.scheduled import schedule_status
from web.api.tokens import optional_grant, require_coop
from web.keys import DB, URIS
from web.params import flag, read_params, text
from web.responses import dumps, fail, json_bytes

NOT_FOUND = "Record not found"


def routes() -> list[web.RouteDef]:
    """The status routes."""
    return [
        web.post("/api/v1/statuses", create_status),
        web.get(r"/api/v1/statuses/{id:\d+}", get_status),
        web.delete(r"/api/v1/statuses/{id:\d+}", delete_status),
    ]


def media_ids(params: dict[str, Any]) -> list[int]:
    """The media ids sent (JSON list or form `media_ids[]`); 422 when one is not a number."""
    raw = params.get("media_ids[]", params.get("media_ids")) or []
    values = raw if isinstance(raw, list) else [raw]
    ids = [str(value).strip() for value in values if str(value).strip()]
    if any(not value.isdigit() or len(value) > 18 for value in ids):
        fail(422, "Validation failed: media_ids must be numbers")
    if len(ids) > MAX_ATTACHMENTS:
        fail(422, f"Validation failed: a post takes at most {MAX_ATTACHMENTS} images")
    return [int(value) for value in ids]


def draft_from(params: dict[str, Any], with_media: bool = False) -> Draft:
    """The draft a client sent; 422 for a bad visibility (the text is checked by hub.posts)."""
    raw = text(params, "visibility", "public") or "public"
    try:
        visibility = Visibility(raw)
    except ValueError:
        fail(
            422,
            f"Validation failed: visibility {raw[:40]!r} is not one of public, "
            "unlisted, private, direct",
        )
    spoiler = text(params, "spoiler_text") or None
    if flag(params, "sensitive") and spoiler is None:
        spoiler = "Sensibler Inhalt"
    language = text(params, "language").strip() or None
    # Media-only posts have no text; the placeholder is replaced by the real images later.
    attachments = ({"pending": True},) if with_media else ()
    return Draft(text(params, "status"), visibility, spoiler, language, attachments=attachments)


async def create_status(request: web.Request) -> web.StreamResponse:
    """Publish as the token's coop; the person is credited; a repeated key repeats the answer."""
    grant = await require_coop(request, "write:statuses")
    params = await read_params(request)
    wanted_media = media_ids(params)
    try:
        draft = posts.check_draft(draft_from(params, bool(wanted_media)))
    except PostError as error:
        fail(422, f"Validation failed: {error}")
    _refuse_unsupported(params)
    uris = request.app[URIS]
    assert grant.coop is not None
    reply_to = text(params, "in_reply_to_id").strip()
    if reply_to:
        draft = dataclasses.replace(draft, in_reply_to_uri=await _reply_target(request, reply_to))
    if text(params, "scheduled_at").strip():
        return await schedule_status(
            request, grant, draft, wanted_media, text(params, "scheduled_at")
        )
    key = request.headers.get("Idempotency-Key")
    try:
        async with request.app[DB].begin() as session:
            post = await statuses.post_status(
                session, uris, grant.coop, grant.person, draft, key, wanted_media
            )
    except MediaError as error:
        fail(422, f"Validation failed: {error}")
    counting.forget(request, grant.coop.id)
    return await answer(request, post, grant.coop)


def _refuse_unsupported(params: dict[str, Any]) -> None:
    # Refuse rather than drop: a silently missing image or an early post would surprise people.
    if params.get("poll") or any(name.startswith("poll[") for name in params):
        fail(422, "Validation failed: polls are not supported")


async def _reply_target(request: web.Request, raw_id: str) -> str:
    """The URI of the status replied to (one of ours the token may see), else 404."""
    if not raw_id.isdigit() or len(raw_id) > 18:
        fail(404, NOT_FOUND)
    grant = await optional_grant(request)
    async with request.app[DB].read() as session:
        found = await statuses.find_status(session, int(raw_id), grant.coop if grant else None)
    if found is None:
        fail(404, NOT_FOUND)
    post, owner = found
    return str(request.app[URIS].note(owner.username, post.id))


async def get_status(request: web.Request) -> web.StreamResponse:
    """One status; others' private ones are 404."""
    grant = await optional_grant(request)
    status_id = int(request.match_info["id"])
    if status_id > REMOTE_ID_OFFSET:
        async with request.app[DB].read() as session:
            note = await statuses.find_remote_note(session, status_id)
        if note is None:
            fail(404, NOT_FOUND)
        parent = request.app[URIS].post_id_of(note[0].in_reply_to_uri)
        body = remote.remote_status(*note, str(parent[1]) if parent else None)
        return json_bytes(dumps(body), "application/json")
    async with request.app[DB].read() as session:
        found = await statuses.find_status(session, status_id, grant.coop if grant else None)
    if found is None:
        fail(404, NOT_FOUND)
    return await answer(request, *found, viewers=(grant.coop if grant else None,))


async def delete_status(request: web.Request) -> web.StreamResponse:
    """Delete one of the token's coop's statuses; anyone else's is 404."""
    grant = await require_coop(request, "write:statuses")
    assert grant.coop is not None
    uris = request.app[URIS]
    post_id = int(request.match_info["id"])
    try:
        async with request.app[DB].begin() as session:
            post = await posts.delete(session, uris, grant.coop, post_id)
    except PostError:
        fail(404, NOT_FOUND)
    counting.forget(request, grant.coop.id)
    return await answer(request, post, grant.coop, with_source=True)


async def answer(
    request: web.Request,
    post: Post,
    coop: LocalActor,
    with_source: bool = False,
    viewers: tuple[LocalActor | None] | None = None,
) -> web.StreamResponse:
    """The Status entity of a post of `coop`, with counts and what the viewer did.

    The viewer is the coop itself unless `viewers` names another one (or None: anonymous).
    """
    viewer = viewers[0] if viewers is not None else coop
    uris = request.app[URIS]
    async with request.app[DB].read() as session:
        author = entities.account(coop, uris, await counting.counts(request, session, coop))
        found = await post_stats.stats(session, [post.id], viewer)
    body = entities.status(post, author, uris, with_source, found[post.id])
    return json_bytes(dumps(body), "application/json")
