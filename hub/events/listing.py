"""Reading events for pages and documents: one event with its owner, upcoming lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors.local import find_actor
from hub.events.documents import event_json, summary_line
from hub.events.rsvp import seats_taken
from hub.events.service import find_event, series_occurrences
from hub.store.models import ActorKind, Event, LocalActor
from hub.uris import Uris

UPCOMING_LIMIT = 200


class Lookup(Exception):
    """An event that is not there (404) or no longer there (410)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Found:
    """An event with its coop, and for a series its materialised dates."""

    coop: LocalActor
    event: Event
    dates: Sequence[Event]
    series: Event | None
    seats_taken: int


async def lookup(session: AsyncSession, username: str, event_id: int) -> Found:
    """A coop's event by id; raise Lookup(404) when unknown, Lookup(410) when deleted."""
    coop = await find_actor(session, username)
    if coop is None or coop.kind != ActorKind.coop:
        raise Lookup(404, "there is no such event")
    event = await find_event(session, coop, event_id)
    if event is None:
        raise Lookup(404, "there is no such event")
    if event.deleted_at is not None or coop.deleted_at is not None:
        raise Lookup(410, "this event was deleted")
    dates = await series_occurrences(session, event) if event.rrule else []
    series = await session.get(Event, event.series_id) if event.series_id else None
    return Found(coop, event, dates, series, await seats_taken(session, event))


def series_json(found: Found, uris: Uris) -> dict[str, Any]:
    """A series as an OrderedCollection of its dates (each an Event with `context` back here)."""
    url = uris.event(found.coop.username, found.event.id)
    return {
        "id": url,
        "type": "OrderedCollection",
        "url": url,
        "attributedTo": uris.actor(found.coop.username),
        "name": found.event.title,
        "summary": summary_line(found.event, url),
        "totalItems": len(found.dates),
        "orderedItems": [uris.event(found.coop.username, date.id) for date in found.dates],
    }


def document(found: Found, uris: Uris) -> dict[str, Any]:
    """What the event's URL answers to ActivityPub clients."""
    if found.event.rrule:
        return series_json(found, uris)
    return event_json(found.event, found.coop, uris, found.seats_taken)


async def upcoming(
    session: AsyncSession, now: datetime, coop: LocalActor | None = None
) -> Sequence[tuple[Event, LocalActor]]:
    """Dates not yet over (single events and series dates), soonest first."""
    query = (
        select(Event, LocalActor)
        .join(LocalActor, LocalActor.id == Event.local_actor_id)
        .where(
            Event.rrule.is_(None),
            Event.deleted_at.is_(None),
            Event.ends_at > now,
            LocalActor.deleted_at.is_(None),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(UPCOMING_LIMIT)
    )
    if coop is not None:
        query = query.where(Event.local_actor_id == coop.id)
    return [(event, owner) for event, owner in (await session.execute(query)).all()]


async def live_coop(session: AsyncSession, username: str) -> LocalActor:
    """A live coop by username, or Lookup(404/410)."""
    coop = await find_actor(session, username)
    if coop is None or coop.kind != ActorKind.coop:
        raise Lookup(404, "there is no such coop")
    if coop.deleted_at is not None:
        raise Lookup(410, "this coop was deleted")
    return coop


async def coop_events(session: AsyncSession, coop: LocalActor, now: datetime) -> Sequence[Event]:
    """A coop's series and its dates not yet over, soonest first."""
    query = (
        select(Event)
        .where(
            Event.local_actor_id == coop.id,
            Event.deleted_at.is_(None),
            (Event.rrule.is_not(None)) | (Event.ends_at > now),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(UPCOMING_LIMIT)
    )
    return (await session.execute(query)).scalars().all()
