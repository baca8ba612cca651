"""Events as iCalendar (RFC 5545): one event, a coop's events, the whole network's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, vRecur
from icalendar import Event as VEvent
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.events.documents import ICAL_STATUS, local_end, local_start, where_line
from hub.store.models import Event, LocalActor
from hub.store.types import utcnow
from hub.text import html_to_text
from hub.uris import Uris

PRODID = "-//Coophub//Events//DE"
KEEP_PAST = timedelta(days=30)
MAX_FEED = 5000


def calendar(name: str, events: Iterable[tuple[Event, LocalActor]], uris: Uris,
             overrides: Sequence[Event] = ()) -> bytes:  # fmt: skip
    """A VCALENDAR of events (series with RRULE/EXDATE and their changed dates), with VTIMEZONEs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    by_series: dict[int, list[Event]] = {}
    for override in overrides:
        by_series.setdefault(override.series_id or 0, []).append(override)
    rows = list(events)
    for event, coop in rows:
        cal.add_component(_vevent(event, coop, uris, uid=uris.event(coop.username, event.id)))
        for changed in by_series.get(event.id, []):
            uid = uris.event(coop.username, event.id)
            cal.add_component(_vevent(changed, coop, uris, uid=uid, recurrence=True))
    # Zone rules from the earliest year on keep the VTIMEZONEs short (not from 1970).
    first = min((event.starts_at for event, _ in rows), default=utcnow())
    cal.add_missing_timezones(first_date=date(min(first.year - 1, 2036), 1, 1))
    return bytes(cal.to_ical())


async def event_calendar(
    session: AsyncSession, uris: Uris, coop: LocalActor, event: Event
) -> bytes:
    """One event, or a whole series with its changed and cancelled dates."""
    overrides = await _overrides(session, [event.id]) if event.rrule else []
    return calendar(event.title, [(event, coop)], uris, overrides)


async def feed(
    session: AsyncSession,
    uris: Uris,
    name: str,
    coop: LocalActor | None = None,
    since: datetime | None = None,
) -> bytes:
    """Single events and series of one coop (or of every coop) ending after `since`."""
    since = since or feed_window(utcnow())
    query = (
        select(Event, LocalActor)
        .join(LocalActor, LocalActor.id == Event.local_actor_id)
        .where(
            Event.series_id.is_(None),
            Event.deleted_at.is_(None),
            LocalActor.deleted_at.is_(None),
            (Event.rrule.is_not(None)) | (Event.ends_at > since),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_FEED)
    )
    if coop is not None:
        query = query.where(Event.local_actor_id == coop.id)
    rows = [(event, owner) for event, owner in (await session.execute(query)).all()]
    series = [event.id for event, _ in rows if event.rrule]
    return calendar(name, rows, uris, await _overrides(session, series))


def feed_window(now: datetime) -> datetime:
    """Where feeds start: 30 days back, on the hour, so a feed stays the same within an hour."""
    return now.replace(minute=0, second=0, microsecond=0) - KEEP_PAST


async def change_marker(session: AsyncSession) -> str:
    """A short text that changes whenever any event or coop is added, changed or deleted."""
    # Every write to an event stamps published_at, updated_at or deleted_at with the time;
    # the counts catch rows removed for good. Aggregates over indexed columns stay cheap.
    events = select(
        func.count(), func.max(Event.id), func.max(Event.published_at),
        func.max(Event.updated_at), func.max(Event.deleted_at),
    )  # fmt: skip
    coops = select(func.count(), func.max(LocalActor.updated_at), func.max(LocalActor.deleted_at))
    values = [*(await session.execute(events)).one(), *(await session.execute(coops)).one()]
    return "|".join(_stamp(value) for value in values)


def _stamp(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


async def _overrides(session: AsyncSession, series_ids: list[int]) -> Sequence[Event]:
    if not series_ids:
        return []
    query = select(Event).where(
        Event.series_id.in_(series_ids), Event.customised.is_(True), Event.deleted_at.is_(None)
    )
    return (await session.execute(query.order_by(Event.starts_at))).scalars().all()


def _vevent(
    event: Event, coop: LocalActor, uris: Uris, uid: str, recurrence: bool = False
) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", uid)
    vevent.add("dtstamp", event.updated_at or event.published_at)
    vevent.add("dtstart", local_start(event))
    vevent.add("dtend", local_end(event))
    vevent.add("summary", event.title)
    vevent.add("description", html_to_text(event.description_html).strip())
    vevent.add("location", where_line(event).removeprefix("Ort: "))
    vevent.add("url", uris.event(coop.username, event.id))
    vevent.add("status", ICAL_STATUS[event.status])
    vevent.add("organizer", uris.actor(coop.username), parameters={"CN": coop.name})
    if event.category:
        vevent.add("categories", [event.category])
    if event.latitude is not None and event.longitude is not None:
        vevent.add("geo", (event.latitude, event.longitude))
    if recurrence and event.recurrence_id is not None:
        vevent.add("recurrence-id", event.recurrence_id.astimezone(ZoneInfo(event.timezone)))
    if event.rrule:
        vevent.add("rrule", vRecur.from_ical(event.rrule))
        zone = ZoneInfo(event.timezone)
        for value in event.exdates:
            vevent.add("exdate", datetime.fromisoformat(value).replace(tzinfo=zone))
    return vevent
