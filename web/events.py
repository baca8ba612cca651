"""Event URLs: Event JSON or an HTML page by negotiation, iCalendar feeds, the upcoming list."""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime
from typing import Any

from aiohttp import web

from hub.events import calendar, listing
from hub.events.documents import local_end, local_start, with_event_context
from hub.events.listing import Found, Lookup
from hub.store.models import Event, EventStatus, LocalActor
from hub.store.types import utcnow
from web import event_text, rsvp
from web.i18n import current
from web.keys import DB, FEEDS, SETTINGS, URIS
from web.negotiation import activitypub_content_type, wants_activitypub
from web.responses import dumps, fail, json_bytes, page

VARY = {"Vary": "Accept"}
CALENDAR = "text/calendar; charset=utf-8"
EVENT = r"/users/{username}/events/{event_id:\d+}"


def routes() -> list[web.RouteDef]:
    """The event routes."""
    return [
        web.get(EVENT, event),
        web.get(EVENT + ".ics", event_ics),
        web.get("/users/{username}/events.ics", coop_ics),
        web.get("/events.ics", network_ics),
        web.get("/events", upcoming_page),
    ]


async def event(request: web.Request) -> web.StreamResponse:
    """An event (or a series) as ActivityPub JSON, or as a page with OpenGraph tags."""
    found = await _found(request)
    uris = request.app[URIS]
    if wants_activitypub(request):
        body = dumps(with_event_context(listing.document(found, uris)))
        return json_bytes(body, activitypub_content_type(request), headers=VARY)
    context = {**_page_context(request, found), **rsvp.form_context(request, found)}
    return page("event.html", request, context, headers=VARY)


async def event_ics(request: web.Request) -> web.StreamResponse:
    """One event, or a whole series with RRULE and EXDATE, as iCalendar."""
    found = await _found(request)
    async with request.app[DB].read() as session:
        body = await calendar.event_calendar(session, request.app[URIS], found.coop, found.event)
    return _calendar_response(request, body)


async def coop_ics(request: web.Request) -> web.StreamResponse:
    """Every event of a coop as iCalendar."""
    async with request.app[DB].read() as session:
        try:
            coop = await listing.live_coop(session, request.match_info["username"])
        except Lookup as error:
            fail(error.status, str(error))
        return await _cached_feed(request, session, f"coop:{coop.username}", coop.name, coop)


async def network_ics(request: web.Request) -> web.StreamResponse:
    """Every event of the network as iCalendar."""
    name = request.app[SETTINGS].network_name
    async with request.app[DB].read() as session:
        return await _cached_feed(request, session, "network", name, None)


async def _cached_feed(
    request: web.Request, session: Any, key: str, name: str, coop: LocalActor | None
) -> web.Response:
    # Rendering thousands of events takes long; the ETag comes from a cheap change marker, so
    # an unchanged feed is answered (200 from memory, or 304) without rendering it again.
    since = calendar.feed_window(utcnow())
    marker = await calendar.change_marker(session)
    plain = _etag(f"{key}|{since.isoformat()}|{marker}".encode())
    packed = plain[:-1] + '-gzip"'  # each encoding of the feed has its own ETag
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    etag = packed if gzipped else plain
    headers = {**_calendar_headers(etag), "Vary": "Accept-Encoding"}
    asked = request.headers.get("If-None-Match", "")
    if plain in asked or packed in asked:
        return web.Response(status=304, headers=headers)

    async def render() -> tuple[bytes, None]:
        return await calendar.feed(session, request.app[URIS], name, coop, since), None

    async def compress() -> tuple[bytes, None]:
        return gzip.compress(await request.app[FEEDS].get_or_render(key, plain, render), 6), None

    if gzipped:  # calendar apps ask for gzip; a network feed shrinks to a tenth
        body = await request.app[FEEDS].get_or_render(key + ":gzip", packed, compress)
        headers["Content-Encoding"] = "gzip"
    else:
        body = await request.app[FEEDS].get_or_render(key, plain, render)
    response = web.Response(body=body, headers=headers)
    response.headers["Content-Type"] = CALENDAR
    return response


async def upcoming_page(request: web.Request) -> web.StreamResponse:
    """The network's upcoming dates, soonest first (rendered again after a change, or when one
    of them is over)."""
    now = utcnow()
    async with request.app[DB].read() as session:
        marker = await calendar.change_marker(session)
    key = f"upcoming:{current()}:{request.rel_url}"

    async def render() -> tuple[bytes, datetime | None]:
        return await _upcoming_html(request, now)

    body = await request.app[FEEDS].get_or_render(key, marker, render, now)
    return web.Response(body=body, content_type="text/html", charset="utf-8")


async def _upcoming_html(request: web.Request, now: datetime) -> tuple[bytes, datetime | None]:
    """The page, and when it goes stale: as soon as the first of its dates is over."""
    uris = request.app[URIS]
    async with request.app[DB].read() as session:
        rows = await listing.upcoming(session, now)
    items = [
        {
            "title": item.title,
            "url": uris.event(coop.username, item.id),
            "coop": coop.name,
            "when": event_text.when(item),
            "where": event_text.where(item),
            "start": local_start(item).isoformat(),
            "cancelled": item.status == EventStatus.cancelled,
        }
        for item, coop in rows
    ]
    feed = uris.network_calendar()
    context = {"items": items, "ics": feed, "webcal": uris.webcal(feed)}
    body = page("events.html", request, context).body
    assert isinstance(body, bytes)
    # Only a listed date that ends changes the list by itself; everything else is a write.
    return body, min((item.ends_at for item, _ in rows), default=None)


async def _found(request: web.Request) -> Found:
    async with request.app[DB].read() as session:
        try:
            return await listing.lookup(
                session, request.match_info["username"], int(request.match_info["event_id"])
            )
        except Lookup as error:
            fail(error.status, str(error))


def _page_context(request: web.Request, found: Found) -> dict[str, object]:
    uris = request.app[URIS]
    item, coop = found.event, found.coop
    url = uris.event(coop.username, item.id)
    ics = uris.event_calendar(coop.username, item.id)
    return {
        "event": item,
        "coop": coop,
        "url": url,
        "actor_url": uris.actor(coop.username),
        "summary": event_text.summary(item, url),
        "og_locale": event_text.og_locale(),
        "category": event_text.category(item),
        "when": event_text.when(item),
        "where": event_text.where(item),
        "registration": event_text.registration(item, url),
        "free": max(item.capacity - found.seats_taken, 0) if item.capacity else None,
        "start": local_start(item).isoformat(),
        "end": local_end(item).isoformat(),
        "ics": ics,
        "webcal": uris.webcal(ics),
        "series_url": uris.event(coop.username, found.series.id) if found.series else None,
        "dates": [_date(request, coop.username, date) for date in found.dates],
    }


def _date(request: web.Request, username: str, date: Event) -> dict[str, object]:
    return {
        "url": request.app[URIS].event(username, date.id),
        "when": event_text.when(date),
        "cancelled": date.status == EventStatus.cancelled,
    }


def _calendar_response(request: web.Request, body: bytes) -> web.Response:
    # Calendar apps poll feeds; an unchanged feed costs them a 304 instead of the body.
    etag = _etag(body)
    headers = _calendar_headers(etag)
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    response = web.Response(body=body, headers=headers)
    response.headers["Content-Type"] = CALENDAR
    return response


def _calendar_headers(etag: str) -> dict[str, str]:
    return {"Cache-Control": "public, max-age=300", "ETag": etag}


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
