"""Scheduled statuses: create (through POST /api/v1/statuses), list, show and cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from hub import scheduled
from hub.oauth import Grant
from hub.posts import Draft
from hub.scheduled import ScheduleError
from hub.store.models import ScheduledStatus
from hub.store.types import utcnow
from web.api.entities import iso
from web.api.paging import link_header
from web.api.tokens import require_coop
from web.keys import DB
from web.responses import dumps, fail, json_bytes

NOT_FOUND = "Record not found"


def routes() -> list[web.RouteDef]:
    """The scheduled status routes."""
    return [
        web.get("/api/v1/scheduled_statuses", list_scheduled),
        web.get(r"/api/v1/scheduled_statuses/{id:\d{1,18}}", show),
        web.delete(r"/api/v1/scheduled_statuses/{id:\d{1,18}}", cancel),
    ]


def parse_time(raw: str) -> datetime:
    """An ISO 8601 time (UTC when it names no zone); 422 when it is not one."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        fail(422, "Validation failed: scheduled_at is not an ISO 8601 time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def schedule_status(
    request: web.Request, grant: Grant, draft: Draft, media_ids: list[int], raw_time: str
) -> web.StreamResponse:
    """Keep the status for later and answer with the ScheduledStatus entity."""
    assert grant.coop is not None
    when = parse_time(raw_time)
    try:
        async with request.app[DB].begin() as session:
            item = await scheduled.schedule(
                session, grant.coop, grant.person, draft, media_ids, when, utcnow()
            )
    except ScheduleError as error:
        fail(422, f"Validation failed: {error}")
    return json_bytes(dumps(entity(item)), "application/json")


def entity(item: ScheduledStatus) -> dict[str, Any]:
    """Mastodon's ScheduledStatus entity."""
    params = item.params
    return {
        "id": str(item.id),
        "scheduled_at": iso(item.scheduled_at),
        "params": {
            "text": params.get("text", ""),
            "visibility": params.get("visibility", "public"),
            "spoiler_text": params.get("spoiler_text"),
            "sensitive": bool(params.get("spoiler_text")),
            "language": params.get("language"),
            "media_ids": [str(i) for i in params.get("media_ids") or []] or None,
            "in_reply_to_id": None,
            "poll": None,
            "idempotency": None,
            "scheduled_at": None,
            "with_rate_limit": False,
            "application_id": None,
        },
        "media_attachments": [],
    }


async def list_scheduled(request: web.Request) -> web.StreamResponse:
    """The coop's waiting statuses, soonest first."""
    grant = await require_coop(request, "read:statuses")
    assert grant.coop is not None
    async with request.app[DB].read() as session:
        items = await scheduled.pending(session, grant.coop)
    headers = link_header(request, [item.id for item in items])
    return json_bytes(dumps([entity(item) for item in items]), "application/json", headers=headers)


async def show(request: web.Request) -> web.StreamResponse:
    """One waiting status of the coop."""
    grant = await require_coop(request, "read:statuses")
    assert grant.coop is not None
    async with request.app[DB].read() as session:
        items = await scheduled.pending(session, grant.coop)
    wanted = int(request.match_info["id"])
    for item in items:
        if item.id == wanted:
            return json_bytes(dumps(entity(item)), "application/json")
    fail(404, NOT_FOUND)


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel one waiting status of the coop."""
    grant = await require_coop(request, "write:statuses")
    assert grant.coop is not None
    async with request.app[DB].begin() as session:
        found = await scheduled.cancel(session, grant.coop, int(request.match_info["id"]))
    if not found:
        fail(404, NOT_FOUND)
    return json_bytes(b"{}", "application/json")
