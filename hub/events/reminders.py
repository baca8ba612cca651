"""Reminders to a coop's followers: registration is open, and the event is tomorrow (each once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub import posts
from hub.events.documents import when_line, where_line
from hub.store.models import Event, EventStatus, LocalActor
from hub.uris import Uris

DAY_BEFORE = timedelta(days=1)
BATCH = 50


async def send_reminders(session: AsyncSession, uris: Uris, now: datetime, locks: bool) -> int:
    """Post each due reminder as a public Note and stamp it sent; how many were posted."""
    sent = 0
    opening = _due(Event.opening_reminded_at, Event.remind_opening, now).where(
        Event.registration_opens_at <= now
    )
    for event, coop in await _rows(session, opening, locks):
        event.opening_reminded_at = now
        text = f"Die Anmeldung ist offen: „{event.title}“, {when_line(event)}."
        await _post(session, uris, coop, event, text)
        sent += 1
    tomorrow = _due(Event.day_before_reminded_at, Event.remind_day_before, now).where(
        Event.starts_at <= now + DAY_BEFORE
    )
    for event, coop in await _rows(session, tomorrow, locks):
        event.day_before_reminded_at = now
        text = f"Morgen: „{event.title}“, {when_line(event)}. {where_line(event)}."
        await _post(session, uris, coop, event, text)
        sent += 1
    return sent


def _due(
    stamp: InstrumentedAttribute[datetime | None], flag: InstrumentedAttribute[bool], now: datetime
) -> Select[Event, LocalActor]:
    return (
        select(Event, LocalActor)
        .join(LocalActor, LocalActor.id == Event.local_actor_id)
        .where(
            flag.is_(True),
            stamp.is_(None),
            Event.rrule.is_(None),
            Event.deleted_at.is_(None),
            Event.status != EventStatus.cancelled,
            Event.starts_at > now,
            LocalActor.deleted_at.is_(None),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(BATCH)
    )


async def _rows(
    session: AsyncSession, query: Select[Event, LocalActor], locks: bool
) -> list[tuple[Event, LocalActor]]:
    if locks:  # several workers on PostgreSQL: a reminder is taken by one of them
        query = query.with_for_update(skip_locked=True, of=Event)
    return [(event, coop) for event, coop in (await session.execute(query)).all()]


async def _post(
    session: AsyncSession, uris: Uris, coop: LocalActor, event: Event, text: str
) -> None:
    draft = posts.Draft(f"{text}\n\n{uris.event(coop.username, event.id)}", language=event.language)
    await posts.publish(session, uris, coop, draft)
