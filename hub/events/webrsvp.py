"""Registrations on the web: double opt-in by mail, a private page, seats shared with all."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.events import notices, rsvp
from hub.store.models import (
    Event,
    EventParticipant,
    EventStatus,
    LocalActor,
    ParticipationState,
    WebRegistration,
)
from hub.uris import Uris

CONFIRM_WITHIN = timedelta(hours=48)
RATE_WINDOW = timedelta(hours=1)
PER_IP = 10
PER_EMAIL = 5
# Lines in English like every service's; the web shows them translated (web.hub_messages).
NO_LINK = "this link does not exist (any more)"
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RegistrationError(Exception):
    """A web registration that cannot be taken: its HTTP status and one readable line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Form:
    """The registration form, checked."""

    name: str
    email: str
    whole_series: bool


def check_form(name: str, email: str, whole_series: bool) -> Form:
    """A clean name and address, or RegistrationError(422) naming what is wrong."""
    name = " ".join(name.split())
    if not name or len(name) > 200 or _CONTROL.search(name):
        raise RegistrationError(422, "please give a name of at most 200 characters")
    email = email.strip()
    if len(email) > 320 or not _EMAIL.match(email):
        raise RegistrationError(422, "please give a valid email address")
    local, _, domain = email.rpartition("@")
    return Form(name, f"{local}@{domain.lower()}", whole_series)


def token_hash(token: str) -> str:
    """How a token is stored: its SHA-256, so a leaked table opens no registration."""
    return hashlib.sha256(token.encode()).hexdigest()


def ip_hash(secret: str, address: str) -> str:
    """A keyed hash of the client address, enough to count requests, not to recover it."""
    return hmac.new(secret.encode(), f"ip:{address}".encode(), hashlib.sha256).hexdigest()


async def start(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    form: Form,
    client: str,
    now: datetime,
) -> WebRegistration:
    """Record an unconfirmed registration and queue the mail with its confirmation link."""
    target = event
    if form.whole_series:
        if event.series_id is None:
            raise RegistrationError(422, "this date belongs to no series")
        series = await session.get(Event, event.series_id)
        if series is None or series.status == EventStatus.cancelled or series.deleted_at:
            raise RegistrationError(422, "this series no longer takes place")
        target = series
    refusal = rsvp.refusal_of(event)
    if refusal is not None:
        raise RegistrationError(422, f"registration is not possible: {refusal}")
    await _check_rate(session, form.email, client, now)
    token = secrets.token_urlsafe(32)
    registration = WebRegistration(
        event_id=target.id, whole_series=form.whole_series, name=form.name, email=form.email,
        confirm_hash=token_hash(token), ip_hash=client, created_at=now,
    )  # fmt: skip
    session.add(registration)
    await session.flush()
    notices.confirmation_request(session, uris, coop, event, registration, token)
    return registration


async def _check_rate(session: AsyncSession, email: str, client: str, now: datetime) -> None:
    since = now - RATE_WINDOW
    recent = select(func.count()).where(WebRegistration.created_at > since)
    by_ip = await session.scalar(recent.where(WebRegistration.ip_hash == client))
    by_email = await session.scalar(
        recent.where(func.lower(WebRegistration.email) == email.lower())
    )
    if (by_ip or 0) >= PER_IP or (by_email or 0) >= PER_EMAIL:
        raise RegistrationError(429, "too many registrations in a short time; try again later")


async def by_token(session: AsyncSession, token: str) -> tuple[str, WebRegistration]:
    """('confirm' or 'manage', the registration) for a link token, or RegistrationError(404)."""
    digest = token_hash(token)
    for kind, column in (("confirm", WebRegistration.confirm_hash),
                         ("manage", WebRegistration.manage_hash)):  # fmt: skip
        found = await session.scalar(select(WebRegistration).where(column == digest))
        if found is not None:
            return kind, found
    raise RegistrationError(404, NO_LINK)


async def confirm(
    session: AsyncSession, uris: Uris, registration: WebRegistration, now: datetime
) -> str:
    """Double opt-in done: take seats (or the queue) for each date; return the private token."""
    if registration.created_at < now - CONFIRM_WITHIN:
        raise RegistrationError(410, "this confirmation link has expired; please register again")
    token = secrets.token_urlsafe(32)
    registration.confirm_hash, registration.manage_hash = None, token_hash(token)
    registration.confirmed_at = now
    target = await session.get(Event, registration.event_id)
    coop = await session.get(LocalActor, target.local_actor_id) if target else None
    if target is None or coop is None:
        raise RegistrationError(410, "this event no longer exists")
    dates = await _upcoming_dates(session, target, now) if registration.whole_series else [target]
    results = [(date, await join(session, uris, coop, date, registration)) for date in dates]
    notices.confirmed(session, uris, coop, registration, results, token)
    return token


async def join(
    session: AsyncSession, uris: Uris, coop: LocalActor, event: Event, registration: WebRegistration
) -> ParticipationState | None:
    """Register a confirmed web registration for one date; its state, or None when refused."""
    locked = await rsvp.lock_event(session, event.id)
    if locked is None:
        return None
    twin = await _same_person(session, event, registration)
    if twin is not None:  # one address registered twice: one seat, on the newest private page
        twin.web_registration_id = registration.id
        return twin.state
    participant = EventParticipant(
        event_id=event.id, web_registration_id=registration.id, by_join=False,
        state=ParticipationState.accepted,
    )  # fmt: skip
    outcome = await rsvp.register(session, uris, coop, locked, None, participant)
    refused = outcome.startswith("rejected: ") and participant.id is None
    return None if refused else participant.state


async def add_series_date(
    session: AsyncSession, uris: Uris, coop: LocalActor, occurrence: Event
) -> int:
    """A new date of a series: register everyone who registered for the whole series."""
    query = select(WebRegistration).where(
        WebRegistration.event_id == occurrence.series_id,
        WebRegistration.whole_series.is_(True),
        WebRegistration.confirmed_at.is_not(None),
        WebRegistration.purged_at.is_(None),
    )
    added = 0
    for registration in (await session.execute(query.order_by(WebRegistration.id))).scalars():
        added += await join(session, uris, coop, occurrence, registration) is not None
    return added


async def dates_of(
    session: AsyncSession, registration: WebRegistration
) -> Sequence[tuple[Event, EventParticipant]]:
    """The registration's dates with their state, soonest first."""
    query = (
        select(Event, EventParticipant)
        .join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(EventParticipant.web_registration_id == registration.id)
        .order_by(Event.starts_at)
    )
    return [(event, participant) for event, participant in (await session.execute(query)).all()]


async def cancel(
    session: AsyncSession, uris: Uris, registration: WebRegistration, now: datetime
) -> int:
    """Withdraw from every date not yet over (freed seats go to the first in line); how many."""
    registration.whole_series = False
    cancelled = 0
    for event, participant in await dates_of(session, registration):
        if event.ends_at <= now:
            continue
        locked = await rsvp.lock_event(session, event.id)
        coop = await session.get(LocalActor, event.local_actor_id)
        if locked is not None and coop is not None:
            await rsvp.release(session, uris, coop, locked, participant)
            cancelled += 1
    return cancelled


async def _same_person(
    session: AsyncSession, event: Event, registration: WebRegistration
) -> EventParticipant | None:
    query = (
        select(EventParticipant)
        .join(WebRegistration, WebRegistration.id == EventParticipant.web_registration_id)
        .where(
            EventParticipant.event_id == event.id,
            func.lower(WebRegistration.email) == (registration.email or "").lower(),
        )
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _upcoming_dates(session: AsyncSession, series: Event, now: datetime) -> list[Event]:
    query = select(Event).where(
        Event.series_id == series.id,
        Event.deleted_at.is_(None),
        Event.status != EventStatus.cancelled,
        Event.ends_at > now,
    )
    return list((await session.execute(query.order_by(Event.starts_at))).scalars())
