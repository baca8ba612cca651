"""Events as iCalendar (RFC 5545): one event, a coop's events, the whole network's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, vRecur
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
    by_series: dict[int, list[Event]] = {}
    for override in overrides:
        by_series.setdefault(override.series_id or 0, []).append(override)
    rows = list(events)
    parts, zones = [], set()
    for event, coop in rows:
        uid = uris.event(coop.username, event.id)
        for item, recurrence in ((event, False), *((o, True) for o in by_series.get(event.id, []))):
            parts.append(_vevent_text(item, coop, uris, uid, recurrence))
            zones.add(item.timezone)
    first = min((event.starts_at for event, _ in rows), default=utcnow())
    return _assemble(name, parts, zones, first)


def _assemble(name: str, parts: list[bytes], zones: set[str], first: datetime) -> bytes:
    # Zone rules from the earliest year on keep the VTIMEZONEs short (not from 1970).
    frame = _frame(name, frozenset(zones), min(first.year - 1, 2036))
    # The events go before the VTIMEZONEs (or the end), where icalendar itself puts them.
    cut = frame.find(b"BEGIN:VTIMEZONE")
    cut = cut if cut >= 0 else frame.rindex(b"END:VCALENDAR")
    return frame[:cut] + b"".join(parts) + frame[cut:]


def _frame(name: str, zones: frozenset[str], first_year: int) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for zone in sorted(zones):
        cal.add_component(_timezone(zone, first_year))
    return bytes(cal.to_ical())


@lru_cache(maxsize=256)
def _timezone(zone: str, first_year: int) -> Timezone:
    return Timezone.from_tzid(zone, first_date=date(first_year, 1, 1))


# A feed holds thousands of events and each takes about a millisecond to write out. Every
# change to an event stamps updated_at (hub.events.service), so the text is kept per stamp
# and a change writes out only the events that changed.
_written: dict[tuple[Any, ...], bytes] = {}
MAX_WRITTEN = 50_000


def _key(uid: str, recurrence: bool, coop_name: str, uris: Uris, event_id: int,
         published_at: datetime, updated_at: datetime | None) -> tuple[Any, ...]:  # fmt: skip
    return (uid, recurrence, coop_name, uris.base, event_id, published_at, updated_at)


def _vevent_text(event: Event, coop: LocalActor, uris: Uris, uid: str, recurrence: bool) -> bytes:
    key = _key(uid, recurrence, coop.name, uris, event.id, event.published_at, event.updated_at)
    text = _written.get(key)
    if text is None:
        if len(_written) >= MAX_WRITTEN:
            _written.clear()
        text = _written[key] = bytes(_vevent(event, coop, uris, uid, recurrence).to_ical())
    return text


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
        select(*HEAD, LocalActor.username, LocalActor.name)
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
    heads = (await session.execute(query)).all()
    series = [head.id for head in heads if head.is_series]
    by_series: dict[int, list[Any]] = {}
    for override in await _override_heads(session, series):
        by_series.setdefault(override.series_id, []).append(override)
    wanted: list[tuple[tuple[Any, ...], Any, Any, bool]] = []
    for head in heads:
        uid = uris.event(head.username, head.id)
        for item, recurrence in ((head, False), *((o, True) for o in by_series.get(head.id, []))):
            key = _key(uid, recurrence, head.name, uris, item.id, item.published_at,
                       item.updated_at)  # fmt: skip
            wanted.append((key, head, item, recurrence))
    texts = await _texts(session, uris, wanted)
    parts = [texts[key] for key, *_ in wanted]
    zones = {item.timezone for _, _, item, _ in wanted}
    first = min((head.starts_at for head in heads), default=utcnow())
    return _assemble(name, parts, zones, first)


# What a feed reads of every event to know whether its text is already written.
HEAD = (Event.id, Event.series_id, Event.published_at, Event.updated_at, Event.starts_at,
        Event.timezone, Event.rrule.is_not(None).label("is_series"))  # fmt: skip
LOAD_BATCH = 100


async def _override_heads(session: AsyncSession, series_ids: list[int]) -> Sequence[Any]:
    if not series_ids:
        return []
    query = select(*HEAD).where(
        Event.series_id.in_(series_ids), Event.customised.is_(True), Event.deleted_at.is_(None)
    )
    return (await session.execute(query.order_by(Event.starts_at))).all()


async def _texts(
    session: AsyncSession, uris: Uris, wanted: list[tuple[tuple[Any, ...], Any, Any, bool]]
) -> dict[tuple[Any, ...], bytes]:
    """The text of every wanted event: kept ones, and the rest loaded and written out."""
    if len(_written) + len(wanted) > MAX_WRITTEN:
        _written.clear()
    # Collected here, so another feed clearing the store meanwhile takes nothing away.
    texts = {key: _written[key] for key, *_ in wanted if key in _written}
    missing = {item.id: (key, head, recurrence) for key, head, item, recurrence in wanted
               if key not in texts}  # fmt: skip
    ids = list(missing)
    # Small batches: each query lets other requests run between the writing.
    for first in range(0, len(ids), LOAD_BATCH):
        query = (
            select(Event, LocalActor)
            .join(LocalActor, LocalActor.id == Event.local_actor_id)
            .where(Event.id.in_(ids[first : first + LOAD_BATCH]))
        )
        for event, owner in (await session.execute(query)).all():
            key, head, recurrence = missing[event.id]
            uid = uris.event(head.username, head.id)
            text = bytes(_vevent(event, owner, uris, uid, recurrence).to_ical())
            texts[key] = _written[key] = text
    return texts


def feed_window(now: datetime) -> datetime:
    """Where feeds start: 30 days back, on the hour, so a feed stays the same within an hour."""
    return now.replace(minute=0, second=0, microsecond=0) - KEEP_PAST


async def change_marker(session: AsyncSession) -> str:
    """A short text that changes whenever any event or coop is added, changed or deleted."""
    # Every write to an event stamps published_at, updated_at or deleted_at with the time, and
    # events are removed for good only with their coop. Each newest stamp is one index lookup.
    newest = [
        select(func.max(column)).scalar_subquery()
        for column in (Event.id, Event.published_at, Event.updated_at, Event.deleted_at,
                       LocalActor.updated_at, LocalActor.deleted_at)
    ]  # fmt: skip
    coops = select(func.count()).select_from(LocalActor).scalar_subquery()
    values = (await session.execute(select(*newest, coops))).one()
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
