"""Publishing events: rows and their deliveries in the caller's transaction, never a commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import network, posts
from hub.activitypub.vocab import create_activity, delete_activity, update_activity
from hub.delivery import enqueue, follower_inboxes
from hub.events import notices, webrsvp
from hub.events.documents import event_json, when_line, with_event_context
from hub.events.recurrence import occurrences, wall_clock
from hub.events.rsvp import seats_taken
from hub.events.validation import CheckedEvent, EventError, EventNotFound
from hub.store.models import Event, EventStatus, LocalActor
from hub.store.types import utcnow
from hub.text import render_post
from hub.uris import Uris

HORIZON = timedelta(days=90)
MAX_AHEAD = 30
# Fields an occurrence copies from its series (times come from the rule).
TEMPLATE = (
    "title", "description_source", "description_html", "timezone", "place_name",
    "place_address", "latitude", "longitude", "online_url", "image_url", "image_alt",
    "category", "hashtags", "language", "capacity", "registration_mode", "registration_url",
    "status", "remind_opening", "remind_day_before",
)  # fmt: skip


async def create_event(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    checked: CheckedEvent,
    now: datetime | None = None,
) -> Event:
    """Store an event (or a series and its upcoming occurrences) and send each out as Create."""
    now = now or utcnow()
    event = Event(local_actor_id=coop.id, exdates=[], published_at=now)
    _apply(event, checked, uris)
    event.rrule, event.exdates = checked.rrule, list(checked.exdates)
    session.add(event)
    await session.flush()
    if event.rrule is None:
        await _send(session, uris, coop, event, "create")
    else:
        await materialise(session, uris, coop, event, now)
    return event


async def materialise(
    session: AsyncSession, uris: Uris, coop: LocalActor, series: Event, now: datetime
) -> list[Event]:
    """Add the series' occurrences up to the horizon (at most MAX_AHEAD) and publish each."""
    if series.rrule is None or series.status == EventStatus.cancelled:
        return []
    # A series that starts later still shows its first dates at once.
    until = max(now, series.starts_at) + HORIZON
    since = max(series.materialised_until or series.starts_at, now)
    room = MAX_AHEAD - len(await _future_occurrences(session, series, now))
    if room <= 0:
        return []
    start = series.starts_at.astimezone(ZoneInfo(series.timezone))
    existing = await _recurrence_ids(session, series)
    candidates = occurrences(
        series.rrule, start, series.exdates, since, until, room + len(existing)
    )
    found = [moment for moment in candidates if moment not in existing][:room]
    made = [_occurrence(series, moment) for moment in found]
    session.add_all(made)
    # With the count limit reached, the next run starts after the last date made.
    series.materialised_until = found[-1] if len(found) == room else until
    await session.flush()
    for occurrence in made:
        await _send(session, uris, coop, occurrence, "create")
        await webrsvp.add_series_date(session, uris, coop, occurrence)
    return made


async def extend_series(session: AsyncSession, uris: Uris, now: datetime) -> int:
    """For the worker: materialise every live series whose horizon runs short; how many made."""
    query = (
        select(Event, LocalActor)
        .join(LocalActor, LocalActor.id == Event.local_actor_id)
        .where(
            Event.rrule.is_not(None),
            Event.deleted_at.is_(None),
            Event.status != EventStatus.cancelled,
            LocalActor.deleted_at.is_(None),
            (Event.materialised_until.is_(None))
            | (Event.materialised_until < now + HORIZON - timedelta(days=1)),
        )
        .order_by(Event.id)
        .limit(100)
    )
    made = 0
    for series, coop in (await session.execute(query)).all():
        made += len(await materialise(session, uris, coop, series, now))
    return made


async def update_event(
    session: AsyncSession, uris: Uris, coop: LocalActor, event_id: int, checked: CheckedEvent
) -> Event:
    """Change a single event or one occurrence (which then keeps its own values); send Update."""
    event = await live_event(session, coop, event_id)
    if event.rrule is not None:
        raise EventError("change a series' dates one occurrence at a time, or cancel it")
    if checked.rrule:
        raise EventError("a recurrence rule can only be given when the event is created")
    taken = await seats_taken(session, event)
    if checked.capacity is not None and checked.capacity < taken:
        raise EventError(f"{taken} people are registered; the capacity cannot be lower")
    _apply(event, checked, uris)
    event.customised = event.series_id is not None
    event.updated_at = utcnow()
    await session.flush()
    await _send(session, uris, coop, event, "update")
    return event


async def cancel_event(session: AsyncSession, uris: Uris, coop: LocalActor, event_id: int) -> Event:
    """Cancel an event, an occurrence or a whole series: Update with the status, and a Note."""
    event = await live_event(session, coop, event_id)
    if event.status == EventStatus.cancelled:
        raise EventError(f"event {event_id} is already cancelled")
    now = utcnow()
    targets = [event]
    if event.rrule is not None:
        targets = await _future_occurrences(session, event, now)
        event.status, event.updated_at = EventStatus.cancelled, now
    for target in targets:
        target.status, target.updated_at = EventStatus.cancelled, now
        target.customised = target.series_id is not None
    await session.flush()
    for target in targets:
        if target.rrule is None:
            await _send(session, uris, coop, target, "update")
            await notices.cancelled(session, coop, target)
    await _cancellation_note(session, uris, coop, event)
    return event


async def delete_event(session: AsyncSession, uris: Uris, coop: LocalActor, event_id: int) -> Event:
    """Delete an event (a series with its occurrences); followers receive a Delete for each."""
    event = await live_event(session, coop, event_id)
    targets = [event]
    if event.rrule is not None:
        targets = [event, *await _future_occurrences(session, event, None)]
    now = utcnow()
    for target in targets:
        if target.rrule is None:
            await _send(session, uris, coop, target, "delete")
            await notices.cancelled(session, coop, target)
        target.deleted_at = now
    if event.series_id is not None and event.recurrence_id is not None:
        # The calendar's RRULE must skip a deleted date too.
        series = await session.get(Event, event.series_id)
        if series is not None:
            skipped = wall_clock(event.recurrence_id.astimezone(ZoneInfo(series.timezone)))
            series.exdates, series.updated_at = [*series.exdates, skipped], now
    return event


async def live_event(session: AsyncSession, coop: LocalActor, event_id: int) -> Event:
    """A coop's event that was not deleted, or EventNotFound."""
    event = await find_event(session, coop, event_id)
    if event is None or event.deleted_at is not None:
        raise EventNotFound(f"no event {event_id} of {coop.username}")
    return event


async def find_event(session: AsyncSession, coop: LocalActor, event_id: int) -> Event | None:
    """A coop's event by id, deleted or not."""
    query = select(Event).where(Event.id == event_id, Event.local_actor_id == coop.id)
    return (await session.execute(query)).scalar_one_or_none()


async def owner_of_event(session: AsyncSession, event_id: int) -> LocalActor:
    """The live coop that organises a live event, or EventNotFound."""
    query = (
        select(LocalActor)
        .join(Event, Event.local_actor_id == LocalActor.id)
        .where(Event.id == event_id, Event.deleted_at.is_(None), LocalActor.deleted_at.is_(None))
    )
    owner = (await session.execute(query)).scalar_one_or_none()
    if owner is None:
        raise EventNotFound(f"no event with the id {event_id}")
    return owner


async def series_occurrences(session: AsyncSession, series: Event) -> Sequence[Event]:
    """The materialised occurrences of a series, by start."""
    query = (
        select(Event)
        .where(Event.series_id == series.id, Event.deleted_at.is_(None))
        .order_by(Event.starts_at)
    )
    return (await session.execute(query)).scalars().all()


def _apply(event: Event, checked: CheckedEvent, uris: Uris) -> None:
    values: dict[str, Any] = asdict(checked)
    description = values.pop("description")
    for name in ("rrule", "exdates"):
        values.pop(name)
    rendered = render_post(description, {}, uris.tag)
    values["hashtags"] = list(dict.fromkeys([*checked.hashtags, *rendered.hashtags]))
    for name, value in values.items():
        setattr(event, name, value)
    event.description_source, event.description_html = description, rendered.html


def _occurrence(series: Event, moment: datetime) -> Event:
    occurrence = Event(
        local_actor_id=series.local_actor_id,
        series_id=series.id,
        recurrence_id=moment,
        starts_at=moment,
        ends_at=moment + (series.ends_at - series.starts_at),
        registration_deadline=_shifted(series, series.registration_deadline, moment),
        registration_opens_at=_shifted(series, series.registration_opens_at, moment),
        exdates=[],
        customised=False,
        published_at=utcnow(),
    )
    for name in TEMPLATE:
        setattr(occurrence, name, getattr(series, name))
    return occurrence


def _shifted(series: Event, value: datetime | None, moment: datetime) -> datetime | None:
    if value is None:
        return None
    return moment - (series.starts_at - value)


async def _recurrence_ids(session: AsyncSession, series: Event) -> set[datetime]:
    query = select(Event.recurrence_id).where(Event.series_id == series.id)
    return {moment for moment in (await session.execute(query)).scalars() if moment}


async def _future_occurrences(
    session: AsyncSession, series: Event, now: datetime | None
) -> list[Event]:
    query = select(Event).where(Event.series_id == series.id, Event.deleted_at.is_(None))
    if now is not None:
        query = query.where(Event.ends_at > now, Event.status != EventStatus.cancelled)
    return list((await session.execute(query.order_by(Event.starts_at))).scalars())


async def _send(
    session: AsyncSession, uris: Uris, coop: LocalActor, event: Event, kind: str
) -> None:
    document = event_json(event, coop, uris, await seats_taken(session, event))
    stamp = int(event.updated_at.timestamp() * 1000) if kind == "update" and event.updated_at else 0
    activity_id = uris.event_activity(coop.username, event.id, kind, stamp)
    build = {"create": create_activity, "update": update_activity, "delete": delete_activity}[kind]
    activity = with_event_context(build(activity_id, document))
    inboxes = await follower_inboxes(session, coop)
    owner_uri = uris.actor(coop.username)
    if kind != "create":  # the Group's followers saw it re-shared: they get the change too
        inboxes += await network.forward(session, uris, owner_uri, activity)
    await enqueue(session, coop, activity, inboxes)
    if kind == "create":  # every event is public: the network Group re-shares it (FEP-1b12)
        await network.reshare(session, uris, owner_uri, str(document["id"]), activity)


async def _cancellation_note(
    session: AsyncSession, uris: Uris, coop: LocalActor, event: Event
) -> None:
    if event.rrule is not None:
        line = f"Abgesagt: Die Reihe „{event.title}“ findet nicht mehr statt."
    else:
        line = f"Abgesagt: „{event.title}“ am {when_line(event)} findet nicht statt."
    text = f"{line}\n\n{uris.event(coop.username, event.id)}"
    await posts.publish(session, uris, coop, posts.Draft(text, language=event.language))
