"""Registering on the web without an account: the form, the confirmation link, the private page."""

from __future__ import annotations

from aiohttp import web

from hub.events import listing, webrsvp
from hub.events.documents import when_line, where_line
from hub.events.rsvp import refusal_of
from hub.events.webrsvp import RegistrationError
from hub.store.models import Event, ParticipationState, RegistrationMode, WebRegistration
from hub.store.types import utcnow
from web import csrf
from web.clients import client_address
from web.i18n import N_, gettext
from web.keys import DB, SETTINGS, URIS
from web.responses import fail, page

EVENT = r"/users/{username}/events/{event_id:\d+}"
TOKEN = "/registrations/{token}"
STATE_NAMES = {
    ParticipationState.accepted: N_("registered"),
    ParticipationState.waiting: N_("on the waiting list"),
    ParticipationState.pending: N_("waiting for the coop to approve"),
    ParticipationState.tentative: N_("maybe"),
}


def routes() -> list[web.RouteDef]:
    """The web registration routes."""
    return [
        web.post(EVENT + "/register", register),
        web.get(TOKEN, private_page),
        web.post(TOKEN + "/confirm", confirm),
        web.post(TOKEN + "/cancel", cancel),
    ]


def form_context(request: web.Request, found: listing.Found) -> dict[str, object]:
    """What the event page needs for its registration form (None when no form is shown)."""
    event = found.event
    modes = (RegistrationMode.open, RegistrationMode.approval)
    if event.rrule is not None or event.registration_mode not in modes or refusal_of(event):
        return {"form": None}
    uris = request.app[URIS]
    return {
        "form": {
            "action": uris.event_registration(found.coop.username, event.id),
            "csrf": csrf.field(request),
            "series": event.series_id is not None,
        }
    }


async def register(request: web.Request) -> web.StreamResponse:
    """Take the form: an unconfirmed registration and a mail with the confirmation link."""
    fields = await csrf.read_form(request)
    try:
        form = webrsvp.check_form(
            fields.get("name", ""), fields.get("email", ""), fields.get("whole_series") == "1"
        )
        settings, uris = request.app[SETTINGS], request.app[URIS]
        client = webrsvp.ip_hash(settings.secret_key, client_address(request))
        async with request.app[DB].begin() as session:
            found = await listing.lookup(
                session, request.match_info["username"], int(request.match_info["event_id"])
            )
            await webrsvp.start(session, uris, found.coop, found.event, form, client, utcnow())
    except (RegistrationError, listing.Lookup) as error:
        fail(error.status, str(error))
    context = {"event": found.event, "coop": found.coop, "email": form.email}
    return page("registration_sent.html", request, context)


async def private_page(request: web.Request) -> web.StreamResponse:
    """The confirm button (one-time link) or the participant's page with the meeting link."""
    token = request.match_info["token"]
    async with request.app[DB].read() as session:
        try:
            kind, registration = await webrsvp.by_token(session, token)
        except RegistrationError as error:
            fail(error.status, str(error))
        dates = await webrsvp.dates_of(session, registration) if kind == "manage" else []
    uris = request.app[URIS]
    context = {
        "kind": kind,
        "name": registration.name,
        "csrf": csrf.field(request),
        "confirm_action": uris.registration(token, "confirm"),
        "cancel_action": uris.registration(token, "cancel"),
        "dates": [_date(event, participant.state) for event, participant in dates],
        "whole_series": registration.whole_series,
    }
    return page("registration.html", request, context, headers=_private())


async def confirm(request: web.Request) -> web.StreamResponse:
    """Use the one-time confirmation link; go on to the private page."""
    await csrf.read_form(request)
    uris = request.app[URIS]
    try:
        async with request.app[DB].begin() as session:
            found = await webrsvp.by_token(session, request.match_info["token"])
            registration = _expect(found, "confirm")
            token = await webrsvp.confirm(session, uris, registration, utcnow())
    except RegistrationError as error:
        fail(error.status, str(error))
    raise web.HTTPSeeOther(uris.registration(token), headers=_private())


async def cancel(request: web.Request) -> web.StreamResponse:
    """Withdraw from every date not yet over; the first in line gets the seat."""
    await csrf.read_form(request)
    uris = request.app[URIS]
    token = request.match_info["token"]
    try:
        async with request.app[DB].begin() as session:
            found = await webrsvp.by_token(session, token)
            await webrsvp.cancel(session, uris, _expect(found, "manage"), utcnow())
    except RegistrationError as error:
        fail(error.status, str(error))
    raise web.HTTPSeeOther(uris.registration(token), headers=_private())


def _expect(found: tuple[str, WebRegistration], wanted: str) -> WebRegistration:
    kind, registration = found
    if kind != wanted:
        fail(404, webrsvp.NO_LINK)
    return registration


def _date(event: Event, state: ParticipationState) -> dict[str, object]:
    return {
        "title": event.title,
        "when": when_line(event),
        "where": where_line(event),
        "state": gettext(STATE_NAMES[state]) if state in STATE_NAMES else state.value,
        "online_url": event.online_url if state == ParticipationState.accepted else None,
    }


def _private() -> dict[str, str]:
    # The URL holds a secret: keep it out of caches and other sites' Referer.
    return {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
