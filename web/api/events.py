"""The coops' events API under /api/v1/hub/: create, list, show, change, cancel; participants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from hub.events import drafts, listing, organiser, service
from hub.events.documents import local_end, local_start
from hub.events.organiser import Participant
from hub.events.rsvp import seats_by_event
from hub.events.validation import EventDraft, EventError, EventNotFound, check_event
from hub.oauth import Grant
from hub.store.models import Event, EventStatus, LocalActor
from hub.store.types import utcnow
from hub.uris import Uris
from web.api.entities import iso
from web.api.tokens import require_coop
from web.keys import DB, URIS
from web.params import read_params
from web.responses import dumps, fail, json_bytes

BASE = "/api/v1/hub/events"
ONE = BASE + r"/{id:\d{1,18}}"
NOT_FOUND = "Record not found"
JSON = "application/json"
TEXT_FIELDS = ("title", "start", "timezone", "end", "description", "place_name", "place_address",
               "online_url", "image_url", "image_alt", "category", "language", "registration",
               "registration_url", "registration_deadline", "registration_opens", "status",
               "rrule")  # fmt: skip


def routes() -> list[web.RouteDef]:
    """The events API routes."""
    return [
        web.post(BASE, create),
        web.get(BASE, list_events),
        web.get(ONE, show),
        web.patch(ONE, change),
        web.post(ONE + "/cancel", cancel),
        web.get(ONE + "/occurrences", occurrences),
        web.get(ONE + "/participants", participants),
    ]


async def create(request: web.Request) -> web.StreamResponse:
    """Publish an event or a series (with `rrule`) as the token's coop."""
    coop = await _coop(request, "write:events")
    fields = _fields(await read_params(request))
    try:
        checked = check_event(drafts.changed(_EMPTY, fields))
    except EventError as error:
        fail(422, f"Validation failed: {error}")
    async with request.app[DB].begin() as session:
        event = await service.create_event(session, request.app[URIS], coop, checked)
    return await _one(request, coop, event.id)


async def list_events(request: web.Request) -> web.StreamResponse:
    """The coop's series and its single events and dates not yet over, soonest first."""
    coop = await _coop(request, "read:events")
    async with request.app[DB].read() as session:
        events = list(await listing.coop_events(session, coop, utcnow()))
        seats = await seats_by_event(session, [event.id for event in events])
    return _json([entity(event, coop, request.app[URIS], seats.get(event.id, 0))
                  for event in events])  # fmt: skip


async def show(request: web.Request) -> web.StreamResponse:
    """One event of the coop."""
    coop = await _coop(request, "read:events")
    return await _one(request, coop, _id(request))


async def change(request: web.Request) -> web.StreamResponse:
    """Change the fields given (a single event or one date of a series); followers get Update."""
    coop = await _coop(request, "write:events")
    fields = _fields(await read_params(request))
    try:
        async with request.app[DB].begin() as session:
            event = await service.live_event(session, coop, _id(request))
            draft = drafts.changed(drafts.draft_of(event), fields)
            if "start" in fields and "end" not in fields:  # keep the duration
                draft = drafts.changed(draft, {"end": _shifted_end(event, draft)})
            checked = check_event(draft)
            await service.update_event(session, request.app[URIS], coop, event.id, checked)
    except EventNotFound:
        fail(404, NOT_FOUND)
    except EventError as error:
        fail(422, f"Validation failed: {error}")
    return await _one(request, coop, _id(request))


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel an event, one date or a whole series; followers get an Update and a Note."""
    coop = await _coop(request, "write:events")
    try:
        async with request.app[DB].begin() as session:
            await service.cancel_event(session, request.app[URIS], coop, _id(request))
    except EventNotFound:
        fail(404, NOT_FOUND)
    except EventError as error:
        fail(422, f"Validation failed: {error}")
    return await _one(request, coop, _id(request))


async def occurrences(request: web.Request) -> web.StreamResponse:
    """The dates of a series by start (a single event is its own only date)."""
    coop = await _coop(request, "read:events")
    async with request.app[DB].read() as session:
        event = await _live(session, coop, _id(request))
        dates = list(await service.series_occurrences(session, event)) if event.rrule else [event]
        seats = await seats_by_event(session, [date.id for date in dates])
    uris = request.app[URIS]
    return _json([entity(date, coop, uris, seats.get(date.id, 0)) for date in dates])


async def participants(request: web.Request) -> web.StreamResponse:
    """Everyone registered (and who cancelled or was rejected) for the event or each date."""
    coop = await _coop(request, "read:events")
    async with request.app[DB].read() as session:
        event = await _live(session, coop, _id(request))
        dates = list(await service.series_occurrences(session, event)) if event.rrule else [event]
        rows = [(date, await organiser.roster(session, date.id)) for date in dates]
    return _json([participant(date, row) for date, roster in rows for row in roster])


def entity(event: Event, coop: LocalActor, uris: Uris, seats_taken: int) -> dict[str, Any]:
    """An event as JSON: the fields `POST` takes (local times), plus ids, links and counts."""
    draft = drafts.draft_of(event)
    return {
        "id": str(event.id),
        "url": uris.event(coop.username, event.id),
        "ics": uris.event_calendar(coop.username, event.id),
        "series_id": str(event.series_id) if event.series_id else None,
        **{name: getattr(draft, name) for name in sorted(drafts.FIELDS)},
        "hashtags": list(draft.hashtags),
        "exdates": list(draft.exdates),
        "starts_at": local_start(event).isoformat(),
        "ends_at": local_end(event).isoformat(),
        "seats_taken": seats_taken,
        "customised": event.customised,
        "created_at": iso(event.published_at),
        "updated_at": iso(event.updated_at),
    }


def participant(date: Event, row: Participant) -> dict[str, Any]:
    """A registration as JSON."""
    return {
        "id": str(row.id),
        "event_id": str(date.id),
        "status": row.status,
        "name": row.name,
        "email": row.email,
        "source": row.source,
        "registered_at": iso(row.registered_at),
        "message": row.message,
    }


# Only title, start and timezone are needed; everything else has the CLI's defaults.
_EMPTY = EventDraft(title="", start="", timezone="")


async def _coop(request: web.Request, scope: str) -> LocalActor:
    grant: Grant = await require_coop(request, scope)
    assert grant.coop is not None
    return grant.coop


async def _one(request: web.Request, coop: LocalActor, event_id: int) -> web.Response:
    async with request.app[DB].read() as session:
        event = await _live(session, coop, event_id)
        seats = await seats_by_event(session, [event.id])
    return _json(entity(event, coop, request.app[URIS], seats.get(event.id, 0)))


async def _live(session: Any, coop: LocalActor, event_id: int) -> Event:
    try:
        return await service.live_event(session, coop, event_id)
    except EventNotFound:
        fail(404, NOT_FOUND)


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    """The event fields of a request, each of the type it must have; 422 otherwise."""
    fields: dict[str, Any] = {}
    for key, value in params.items():
        name = key.removesuffix("[]")  # form bodies send lists as hashtags[]=...
        if name not in drafts.FIELDS:
            fail(422, f"Validation failed: unknown field {name[:64]!r}")
        fields[name] = _typed(name, value)
    if fields.get("status") == EventStatus.cancelled.value:  # followers must hear of it
        fail(422, f"Validation failed: cancel with POST {BASE}/ID/cancel")
    return fields


def _typed(name: str, value: Any) -> Any:
    if isinstance(value, str) and name not in TEXT_FIELDS:
        value = _from_text(name, value)
    if name in TEXT_FIELDS:
        if value is not None and not isinstance(value, str):
            fail(422, f"Validation failed: {name} must be a string")
        return value if value is not None or name not in ("title", "start", "timezone") else ""
    if name in ("latitude", "longitude"):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            fail(422, f"Validation failed: {name} must be a number")
        return None if value is None else float(value)
    if name == "capacity":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            fail(422, "Validation failed: capacity must be a whole number")
        return value
    if name in ("remind_opening", "remind_day_before"):
        if not isinstance(value, bool):
            fail(422, f"Validation failed: {name} must be true or false")
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        fail(422, f"Validation failed: {name} must be a list of strings")
    return tuple(value)


def _from_text(name: str, value: str) -> Any:
    # Form bodies carry every value as text.
    if name in ("remind_opening", "remind_day_before"):
        return value.strip().lower() in ("1", "true", "on", "yes")
    if name in ("hashtags", "exdates"):
        return [value]
    try:
        return int(value) if name == "capacity" else float(value)
    except ValueError:
        fail(422, f"Validation failed: {name} must be a number")


def _shifted_end(event: Event, draft: EventDraft) -> str | None:
    try:
        start = datetime.fromisoformat(draft.start)
    except ValueError:
        return None  # check_event names the bad start
    return (start + (event.ends_at - event.starts_at)).isoformat(timespec="minutes")


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _json(document: Any) -> web.Response:
    return json_bytes(dumps(document), JSON)
