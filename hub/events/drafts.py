"""An event as the organiser typed it: a stored event back to a draft, to change a few fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.events.recurrence import wall_clock
from hub.events.validation import EventDraft, EventError
from hub.store.models import Event

FIELDS = frozenset(field.name for field in dataclasses.fields(EventDraft))


def draft_of(event: Event) -> EventDraft:
    """The draft that would make this event again (local wall-clock times in its zone)."""
    zone = ZoneInfo(event.timezone)
    start = wall_clock(event.starts_at.astimezone(zone))
    return EventDraft(
        title=event.title, start=start, timezone=event.timezone,
        end=_local(event.ends_at, zone), description=event.description_source,
        place_name=event.place_name, place_address=event.place_address,
        latitude=event.latitude, longitude=event.longitude, online_url=event.online_url,
        image_url=event.image_url, image_alt=event.image_alt, category=event.category,
        hashtags=tuple(event.hashtags), language=event.language, capacity=event.capacity,
        registration=event.registration_mode.value, registration_url=event.registration_url,
        registration_deadline=_local(event.registration_deadline, zone),
        registration_opens=_local(event.registration_opens_at, zone),
        remind_opening=event.remind_opening, remind_day_before=event.remind_day_before,
        status=event.status.value, rrule=event.rrule, exdates=tuple(event.exdates),
    )  # fmt: skip


def changed(draft: EventDraft, changes: Mapping[str, Any]) -> EventDraft:
    """The draft with some fields replaced; EventError for a field events do not have."""
    unknown = sorted(set(changes) - FIELDS)
    if unknown:
        raise EventError(f"unknown field {unknown[0]!r}")
    return dataclasses.replace(draft, **changes)


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return wall_clock(moment.astimezone(zone)) if moment else None
