"""Followers, follows, relationships, and the coop editing its profile from an app."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hub import images, media, profiles, social, statuses
from hub.actors.validation import CoopDraft, InvalidInput, check_name, check_summary
from hub.images import ImageError
from hub.store.models import FollowDirection, LocalActor
from web.api import counting, entities, remote
from web.api.media import read_multipart
from web.api.paging import cursor, link_header
from web.api.tokens import optional_grant, require_coop
from web.keys import DB, SETTINGS, URIS
from web.params import flag, read_params, text
from web.responses import dumps, fail, json_bytes

NOT_FOUND = "Record not found"
SIZES = {"avatar": (400, 400), "header": (1500, 500)}  # Mastodon's sizes
MAX_FIELDS = 4


def routes() -> list[web.RouteDef]:
    """The social graph routes and update_credentials."""
    return [
        web.get(r"/api/v1/accounts/{id:\d{1,18}}/followers", followers),
        web.get(r"/api/v1/accounts/{id:\d{1,18}}/following", following),
        web.get("/api/v1/accounts/relationships", relationships),
        web.patch("/api/v1/accounts/update_credentials", update_credentials),
    ]


async def followers(request: web.Request) -> web.StreamResponse:
    """The remote accounts following one of our coops."""
    return await _follows(request, FollowDirection.inbound)


async def following(request: web.Request) -> web.StreamResponse:
    """The remote accounts one of our coops follows."""
    return await _follows(request, FollowDirection.outbound)


async def _follows(request: web.Request, direction: FollowDirection) -> web.StreamResponse:
    await optional_grant(request)
    paging = cursor(request)
    async with request.app[DB].read() as session:
        actor = await statuses.find_account(session, int(request.match_info["id"]))
        if actor is None:
            fail(404, NOT_FOUND)
        rows = await social.follows_of(session, actor, direction, paging)
    body = [remote.remote_account(account) for _, account in rows]
    headers = link_header(request, [follow.id for follow, _ in rows])
    return json_bytes(dumps(body), "application/json", headers=headers)


async def relationships(request: web.Request) -> web.StreamResponse:
    """The coop's relationship to each account asked for (`id[]`)."""
    grant = await require_coop(request, "read:follows")
    assert grant.coop is not None
    raw = request.query.getall("id[]", []) or request.query.getall("id", [])
    ids = [int(value) for value in raw[:40] if value.isdigit() and len(value) <= 18]
    async with request.app[DB].read() as session:
        found = await social.relationships(session, grant.coop, ids)
    body = [_relationship(item) for item in found]
    return json_bytes(dumps(body), "application/json")


def _relationship(item: social.Relationship) -> dict[str, Any]:
    return {
        "id": str(item.account_id), "following": item.following, "showing_reblogs": True,
        "notifying": False, "languages": None, "followed_by": item.followed_by,
        "blocking": False, "blocked_by": False, "muting": False, "muting_notifications": False,
        "requested": item.requested, "requested_by": item.requested_by,
        "domain_blocking": False, "endorsed": False, "note": "",
    }  # fmt: skip


async def update_credentials(request: web.Request) -> web.StreamResponse:
    """Change the coop's name, note, fields or approval; followers receive an Update."""
    grant = await require_coop(request, "write:accounts")
    assert grant.coop is not None
    files: dict[str, bytes] = {}
    if request.content_type == "multipart/form-data":
        params, files = await read_multipart(request, set(SIZES))
    else:
        params = await read_params(request)
    try:
        draft = profile_draft(params)
    except InvalidInput as error:
        fail(422, f"Validation failed: {error}")
    try:
        coop = await save_profile(request, grant.coop, draft, files)
    except ImageError as error:
        fail(422, f"Validation failed: {error}")
    async with request.app[DB].read() as session:
        counts = await counting.counts(request, session, coop)
    uris = request.app[URIS]
    body = entities.credential_account(coop, uris, counts)
    return json_bytes(dumps(body), "application/json")


async def save_profile(
    request: web.Request, coop: LocalActor, draft: CoopDraft, files: dict[str, bytes]
) -> LocalActor:
    """Apply a profile draft and new avatar/header images; followers receive an Update.

    ImageError when an image is not one we take; nothing is stored then.
    """
    cleaned = {name: await asyncio.to_thread(images.clean, data, SIZES[name])
               for name, data in files.items() if data}  # fmt: skip
    directory = media.media_dir(request.app[SETTINGS].data_dir)
    names = {name: await asyncio.to_thread(media.write_file, directory, image)
             for name, image in cleaned.items()}  # fmt: skip
    try:
        async with request.app[DB].begin() as session:
            fresh = await session.merge(coop)
            return await profiles.update_profile(session, request.app[URIS], fresh, draft, names)
    except BaseException:
        for name in names.values():
            media.remove_file(directory, name)
        raise


def profile_draft(params: dict[str, Any]) -> CoopDraft:
    """The profile change asked for (display_name, note, locked, fields_attributes)."""
    name = check_name(text(params, "display_name")) if "display_name" in params else None
    note = check_summary(text(params, "note")) if "note" in params else None
    locked = flag(params, "locked") if "locked" in params else None
    return CoopDraft(name=name, summary=note, fields=_fields(params),
                     manually_approves_followers=locked)  # fmt: skip


def _fields(params: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """fields_attributes as JSON (list or index map) or as form keys `[i][name]`/`[i][value]`."""
    raw = params.get("fields_attributes")
    if isinstance(raw, dict):
        raw = [raw[key] for key in sorted(raw, key=str)]
    if raw is None:
        prefix = "fields_attributes"
        found = {key[len(prefix) + 1 :].split("]")[0] for key in params if key.startswith(prefix)}
        indexes = sorted(found, key=lambda index: (len(index), index))
        if not indexes:
            return None
        raw = [{"name": params.get(f"{prefix}[{i}][name]", ""),
                "value": params.get(f"{prefix}[{i}][value]", "")} for i in indexes]  # fmt: skip
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise InvalidInput("fields_attributes must be a list of {name, value}")
    pairs = [(str(i.get("name", "")).strip(), str(i.get("value", "")).strip()) for i in raw]
    pairs = [(name, value) for name, value in pairs if name or value]
    if len(pairs) > MAX_FIELDS:
        raise InvalidInput(f"at most {MAX_FIELDS} profile fields are allowed")
    if any(not name or len(name) > 255 or len(value) > 2048 for name, value in pairs):
        raise InvalidInput("every profile field needs a label (255) and a value (2048)")
    return tuple(pairs)
