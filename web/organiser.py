"""Organiser pages for a coop's people: participants per date, approve/reject, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from hub import memberships
from hub.events import listing, organiser, service
from hub.events.organiser import Participant
from hub.events.rsvp import seats_taken
from hub.events.validation import EventError, EventNotFound
from hub.store.models import Event, EventStatus, LocalActor, ParticipationState, Person
from hub.store.types import utcnow
from web import csrf, event_text, hub_messages
from web.auth import current_person, login_redirect
from web.i18n import N_, _, gettext
from web.keys import DB, URIS
from web.responses import fail, page

BASE = r"/organise/events/{event_id:\d{1,18}}"
DECISION = r"/participants/{participant_id:\d{1,18}}/{decision:approve|reject}"
PRIVATE = {"Cache-Control": "no-store"}
COLUMNS = ("event_id", "date", "id", "status", "name", "email", "source", "registered_at",
           "message")  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATUS_NAMES = {
    "accepted": N_("confirmed"),
    "pending": N_("waiting for approval"),
    "waiting": N_("waiting list"),
    "tentative": N_("maybe"),
    "cancelled": N_("cancelled"),
    "rejected": N_("rejected"),
}
DECIDABLE = (ParticipationState.pending, ParticipationState.waiting)


def routes() -> list[web.RouteDef]:
    """The organiser routes."""
    return [
        web.get("/organise", overview),
        web.get(BASE, event_page),
        web.get(BASE + "/participants.csv", export),
        web.post(BASE + DECISION, decide),
    ]


async def overview(request: web.Request) -> web.StreamResponse:
    """The coops the person manages with their series and upcoming dates."""
    person = await _person(request)
    async with request.app[DB].read() as session:
        coops = await memberships.coops_of(session, person.id)
        listed = [(coop, await listing.coop_events(session, coop, utcnow())) for coop in coops]
    context = {
        "coops": [
            {"name": coop.name, "events": [_event_link(event) for event in events]}
            for coop, events in listed
        ]
    }
    return page("organiser/overview.html", request, context, headers=PRIVATE)


async def event_page(request: web.Request) -> web.StreamResponse:
    """An event, or each date of a series, with its participants and decision buttons."""
    return await _render(request, None, None)


async def decide(request: web.Request) -> web.StreamResponse:
    """Approve or reject a pending registration; the person hears of it (Accept/Reject or mail)."""
    await csrf.read_form(request)
    event_id = int(request.match_info["event_id"])
    approve = request.match_info["decision"] == "approve"
    async with request.app[DB].read() as session:
        await _coop_of(request, session, event_id)
    try:
        async with request.app[DB].begin() as session:
            await organiser.decide(
                session, request.app[URIS], event_id, int(request.match_info["participant_id"]),
                approve,
            )  # fmt: skip
    except EventNotFound as error:
        fail(404, str(error))
    except EventError as error:
        return await _render(request, None, hub_messages.translate(str(error)), status=422)
    notice = "approved" if approve else "rejected"
    raise web.HTTPSeeOther(f"{_path(event_id)}?done={notice}", headers=PRIVATE)


async def export(request: web.Request) -> web.StreamResponse:
    """The participants of the event (or of every date of a series) as CSV."""
    event_id = int(request.match_info["event_id"])
    async with request.app[DB].read() as session:
        await _coop_of(request, session, event_id)
        event = await session.get(Event, event_id)
        assert event is not None
        dates = await _dates(session, event)
        rows = [(date, await organiser.roster(session, date.id)) for date in dates]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for date, roster in rows:
        writer.writerows(_csv_row(date, row) for row in roster)
    # The byte order mark lets spreadsheet programs recognise UTF-8 (umlauts in names).
    body = ("\ufeff" + buffer.getvalue()).encode()
    headers = {
        **PRIVATE,
        "Content-Disposition": f'attachment; filename="event-{event_id}-participants.csv"',
    }
    response = web.Response(body=body, headers=headers)
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    return response


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


async def _render(
    request: web.Request, notice: str | None, error: str | None, status: int = 200
) -> web.StreamResponse:
    event_id = int(request.match_info["event_id"])
    async with request.app[DB].read() as session:
        coop = await _coop_of(request, session, event_id)
        event = await service.live_event(session, coop, event_id)
        dates = []
        for date in await _dates(session, event):
            roster = await organiser.roster(session, date.id)
            dates.append(_date(date, roster, await seats_taken(session, date)))
    done = request.query.get("done")
    if notice is None and done in ("approved", "rejected"):
        notice = (
            _("The registration was approved.")
            if done == "approved"
            else _("The registration was rejected.")
        )
    context = {
        "event": event,
        "coop": coop,
        "series": event.rrule is not None,
        "dates": dates,
        "csv_url": _path(event_id) + "/participants.csv",
        "public_url": request.app[URIS].event(coop.username, event.id),
        "csrf": csrf.field(request),
        "notice": notice,
        "error": error,
    }
    return page("organiser/event.html", request, context, status=status, headers=PRIVATE)


async def _person(request: web.Request) -> Person:
    person = await current_person(request)
    if person is None:
        if request.method != "GET":
            fail(403, _("Please log in first."))
        raise login_redirect(request)
    return person


async def _coop_of(request: web.Request, session: Any, event_id: int) -> LocalActor:
    """The coop organising the event, when the person logged in manages it; else 404/403."""
    person = await _person(request)
    try:
        coop = await service.owner_of_event(session, event_id)
    except EventNotFound:
        fail(404, "there is no such event")
    if await memberships.membership(session, person, coop) is None:
        fail(403, _("Only the people of the organising coop can see this page."))
    return coop


async def _dates(session: Any, event: Event) -> list[Event]:
    if event.rrule is None:
        return [event]
    return list(await service.series_occurrences(session, event))


def _date(event: Event, roster: Iterable[Participant], taken: int) -> dict[str, object]:
    return {
        "id": event.id,
        "title": event.title,
        "when": event_text.when(event),
        "cancelled": event.status == EventStatus.cancelled,
        "taken": taken,
        "capacity": event.capacity,
        "participants": [_participant(event, row) for row in roster],
    }


def _participant(event: Event, row: Participant) -> dict[str, object]:
    decidable = row.withdrawn is None and row.state in DECIDABLE
    base = f"{_path(event.id)}/participants/{row.id}"
    return {
        "name": row.name,
        "email": row.email,
        "source": _("fediverse") if row.source == "fediverse" else _("web"),
        "status": gettext(STATUS_NAMES.get(row.status, row.status)),
        "status_key": row.status,
        "registered_at": row.registered_at,
        "message": row.message,
        "approve": f"{base}/approve" if decidable else None,
        "reject": f"{base}/reject" if decidable else None,
    }


def _event_link(event: Event) -> dict[str, object]:
    return {
        "title": event.title,
        "url": _path(event.id),
        "when": event_text.when(event),
        "series": event.rrule is not None,
        "cancelled": event.status == EventStatus.cancelled,
    }


def _csv_row(date: Event, row: Participant) -> list[str]:
    values = [str(date.id), date.starts_at.isoformat(timespec="minutes"), str(row.id), row.status,
              row.name, row.email or "", row.source,
              row.registered_at.isoformat(timespec="seconds"), row.message or ""]  # fmt: skip
    return [safe_cell(value) for value in values]


def _path(event_id: int) -> str:
    return f"/organise/events/{event_id}"
