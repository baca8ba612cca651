"""Notifications of the token's coop, custom emojis and preferences."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import notifications
from hub.notifications import KINDS, Notice
from hub.store.models import LocalActor
from hub.uris import Uris
from web.api import counting, entities, remote
from web.api.paging import cursor, link_header
from web.api.tokens import require, require_coop
from web.keys import DB, URIS
from web.responses import dumps, json_bytes


def routes() -> list[web.RouteDef]:
    """Notifications, custom emojis and preferences."""
    return [
        web.get("/api/v1/notifications", list_notifications),
        web.get("/api/v1/custom_emojis", custom_emojis),
        web.get("/api/v1/preferences", preferences),
    ]


async def list_notifications(request: web.Request) -> web.StreamResponse:
    """Follows, replies, favourites and boosts, newest first, with Link-header paging."""
    grant = await require_coop(request, "read:notifications")
    coop = grant.coop
    assert coop is not None
    paging = cursor(request)
    wanted = set(request.query.getall("types[]", [])) or set(KINDS)
    wanted -= set(request.query.getall("exclude_types[]", []))
    uris = request.app[URIS]
    async with request.app[DB].read() as session:
        found = await notifications.notifications(session, coop, paging, wanted)
        own = entities.account(coop, uris, await counting.counts(request, session, coop))
    body = [_entity(notice, coop, own, uris) for notice in found]
    headers = link_header(request, [notice.id for notice in found])
    return json_bytes(dumps(body), "application/json", headers=headers)


def _entity(notice: Notice, coop: LocalActor, own: dict[str, Any], uris: Uris) -> dict[str, Any]:
    status = None
    if notice.post is not None:
        status = entities.status(notice.post, own, uris)
    elif notice.note is not None:
        parent = uris.post_id_of(notice.note.in_reply_to_uri)
        status = remote.remote_status(
            notice.note, notice.account, str(parent[1]) if parent else None
        )
    return {
        "id": str(notice.id),
        "type": notice.type,
        "created_at": entities.iso(notice.created_at),
        "group_key": f"ungrouped-{notice.id}",
        "account": remote.remote_account(notice.account),
        "status": status,
    }


async def custom_emojis(request: web.Request) -> web.StreamResponse:
    """The hub has no custom emojis."""
    return json_bytes(b"[]", "application/json")


async def preferences(request: web.Request) -> web.StreamResponse:
    """Posting defaults for apps: public, German, nothing hidden."""
    await require(request, "read:accounts")
    body = {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": "de",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }
    return json_bytes(dumps(body), "application/json")
