"""What an organiser types, checked into values the store takes; one-line errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.events.recurrence import RecurrenceError, check_rule, is_occurrence, wall_clock
from hub.store.models import EventStatus, RegistrationMode
from hub.text import is_web_url

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_CAPACITY = 100_000
MAX_DURATION = timedelta(days=31)
DEFAULT_DURATION = timedelta(hours=1)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_HASHTAG = re.compile(r"^[^\W_]\w{0,99}$", re.UNICODE)
# Mobilizon's categories, so its readers file our events where theirs are.
CATEGORIES = frozenset({
    "ARTS", "BOOK_CLUBS", "BUSINESS", "CAUSES", "COMEDY", "CRAFTS", "FOOD_DRINK", "HEALTH",
    "MUSIC", "AUTO_BOAT_AIR", "COMMUNITY", "FAMILY_EDUCATION", "FASHION_BEAUTY", "FILM_MEDIA",
    "GAMES", "LANGUAGE_CULTURE", "LEARNING", "LGBTQ", "MOVEMENTS_POLITICS", "NETWORKING",
    "PARTY", "PERFORMING_VISUAL_ARTS", "PETS", "PHOTOGRAPHY", "OUTDOORS_ADVENTURE", "SPIRITUALITY",
    "SCIENCE_TECH", "SPORTS", "THEATRE", "MEETING", "WORKSHOPS_SKILL_SHARING",
})  # fmt: skip


class EventError(Exception):
    """An event cannot be made as asked; one readable line."""


class EventNotFound(EventError):
    """No such event."""


@dataclass(frozen=True)
class EventDraft:
    """An event as typed: local wall-clock times (ISO, no offset) in an IANA time zone."""

    title: str
    start: str
    timezone: str
    end: str | None = None
    description: str = ""
    place_name: str | None = None
    place_address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    online_url: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    category: str | None = None
    hashtags: Sequence[str] = field(default_factory=tuple)
    language: str | None = "de"
    capacity: int | None = None
    registration: str = RegistrationMode.open.value
    registration_url: str | None = None
    registration_deadline: str | None = None
    registration_opens: str | None = None
    remind_opening: bool = False
    remind_day_before: bool = False
    status: str = EventStatus.scheduled.value
    rrule: str | None = None
    exdates: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class CheckedEvent:
    """A valid event: aware UTC times, clean text, known enums."""

    title: str
    description: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    place_name: str | None
    place_address: str | None
    latitude: float | None
    longitude: float | None
    online_url: str | None
    image_url: str | None
    image_alt: str | None
    category: str | None
    hashtags: list[str]
    language: str | None
    capacity: int | None
    registration_mode: RegistrationMode
    registration_url: str | None
    registration_deadline: datetime | None
    registration_opens_at: datetime | None
    remind_opening: bool
    remind_day_before: bool
    status: EventStatus
    rrule: str | None
    exdates: list[str]


def check_event(draft: EventDraft) -> CheckedEvent:
    """Validate every field of a draft; raise EventError naming the first problem."""
    zone = check_zone(draft.timezone)
    starts_at = local_time(draft.start, zone, "start")
    ends_at = local_time(draft.end, zone, "end") if draft.end else starts_at + DEFAULT_DURATION
    if ends_at <= starts_at:
        raise EventError("the event ends before it starts; give an --end after --start")
    if ends_at - starts_at > MAX_DURATION:
        raise EventError("the event lasts longer than 31 days")
    deadline = None
    if draft.registration_deadline:
        deadline = local_time(draft.registration_deadline, zone, "registration deadline")
        if deadline > ends_at:
            raise EventError("the registration deadline is after the event's end")
    opens = None
    if draft.registration_opens:
        opens = local_time(draft.registration_opens, zone, "registration opening")
        if opens >= (deadline or starts_at):
            raise EventError("registration opens after the deadline or the start")
    if draft.remind_opening and opens is None:
        raise EventError("a reminder when registration opens needs --registration-opens")
    rule, exdates = _check_series(draft, starts_at, zone)
    mode, registration_url = _check_registration(draft)
    place_name, place_address, online_url = _check_place(draft)
    image_url, image_alt = _check_image(draft)
    return CheckedEvent(
        title=_text(draft.title, "title", MAX_TITLE, required=True),
        description=_text(draft.description, "description", MAX_DESCRIPTION),
        timezone=draft.timezone, starts_at=starts_at, ends_at=ends_at,
        place_name=place_name, place_address=place_address,
        latitude=_coordinate(draft.latitude, 90, "latitude"),
        longitude=_coordinate(draft.longitude, 180, "longitude"),
        online_url=online_url, image_url=image_url, image_alt=image_alt,
        category=_check_category(draft.category), hashtags=check_hashtags(draft.hashtags),
        language=_check_language(draft.language), capacity=_check_capacity(draft.capacity),
        registration_mode=mode, registration_url=registration_url,
        registration_deadline=deadline, registration_opens_at=opens,
        remind_opening=draft.remind_opening, remind_day_before=draft.remind_day_before,
        status=_status(draft.status),
        rrule=rule, exdates=exdates,
    )  # fmt: skip


def check_zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name, or EventError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise EventError(f"unknown time zone {name!r}; use an IANA name like Europe/Berlin") from (
            error
        )


def local_time(value: str, zone: ZoneInfo, what: str) -> datetime:
    """A wall-clock time (YYYY-MM-DDTHH:MM) in a zone as aware UTC; refuses skipped times."""
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise EventError(f"invalid {what} {value!r}; use e.g. 2026-12-04T14:00") from error
    if naive.tzinfo is not None:
        raise EventError(f"give the {what} without an offset; the time zone says it")
    moment = naive.replace(tzinfo=zone)
    # A time the clocks skip (spring forward) does not survive the round trip through UTC.
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise EventError(f"the {what} {value} does not exist in {zone.key} (the clocks jump)")
    return moment.astimezone(UTC)


def check_hashtags(tags: Sequence[str]) -> list[str]:
    """Hashtags without '#', lowercased, without repeats."""
    found: dict[str, None] = {}
    for tag in tags:
        name = tag.strip().lstrip("#")
        if not _HASHTAG.match(name):
            raise EventError(f"invalid hashtag {tag!r}; letters, digits and _ only")
        found.setdefault(name.lower())
    if len(found) > 20:
        raise EventError("at most 20 hashtags")
    return list(found)


def _check_series(
    draft: EventDraft, starts_at: datetime, zone: ZoneInfo
) -> tuple[str | None, list[str]]:
    if not draft.rrule:
        if draft.exdates:
            raise EventError("exception dates need a recurrence rule (--rrule)")
        return None, []
    try:
        rule = check_rule(draft.rrule, starts_at.astimezone(zone))
    except RecurrenceError as error:
        raise EventError(str(error)) from error
    exdates = []
    for value in draft.exdates:
        moment = local_time(value, zone, "exception date").astimezone(zone)
        if not is_occurrence(rule, starts_at.astimezone(zone), moment):
            raise EventError(f"the exception date {value} is not a date of the series")
        exdates.append(wall_clock(moment))
    return rule, exdates


def _check_registration(draft: EventDraft) -> tuple[RegistrationMode, str | None]:
    try:
        mode = RegistrationMode(draft.registration)
    except ValueError as error:
        choices = ", ".join(m.value for m in RegistrationMode)
        raise EventError(f"unknown registration mode {draft.registration!r}; use {choices}") from (
            error
        )
    url = (draft.registration_url or "").strip() or None
    if mode == RegistrationMode.external and url is None:
        raise EventError("external registration needs --registration-url")
    if mode != RegistrationMode.external and url is not None:
        raise EventError("--registration-url goes with --registration external only")
    return mode, _url(url, "registration URL")


def _check_place(draft: EventDraft) -> tuple[str | None, str | None, str | None]:
    name = _text(draft.place_name or "", "place name", 200) or None
    address = _text(draft.place_address or "", "address", 500) or None
    online = _url((draft.online_url or "").strip() or None, "online meeting URL")
    if address and not name:
        raise EventError("an address needs a place name (--place)")
    if not name and not online:
        raise EventError("give a place (--place) or an online meeting URL (--online-url)")
    if (draft.latitude is None) != (draft.longitude is None):
        raise EventError("give both latitude and longitude, or neither")
    if draft.latitude is not None and not name:
        raise EventError("coordinates need a place name (--place)")
    return name, address, online


def _check_image(draft: EventDraft) -> tuple[str | None, str | None]:
    url = _url((draft.image_url or "").strip() or None, "image URL")
    alt = _text(draft.image_alt or "", "image description", 1500) or None
    if url and not alt:
        raise EventError("an image needs a description for people who cannot see it (--image-alt)")
    if alt and not url:
        raise EventError("an image description needs an image URL (--image-url)")
    return url, alt


def _text(value: str, what: str, limit: int, required: bool = False) -> str:
    cleaned = value.replace("\x00", "").strip()
    if required and not cleaned:
        raise EventError(f"the event has no {what}")
    if len(cleaned) > limit:
        raise EventError(f"the {what} is longer than {limit} characters")
    return cleaned


def _url(value: str | None, what: str) -> str | None:
    if value is not None and (not is_web_url(value) or len(value) > 2048):
        raise EventError(f"invalid {what} {value!r}; use an http:// or https:// address")
    return value


def _coordinate(value: float | None, limit: float, what: str) -> float | None:
    if value is not None and not -limit <= value <= limit:
        raise EventError(f"{what} {value} is outside -{limit}..{limit}")
    return value


def _check_category(value: str | None) -> str | None:
    if value is None:
        return None
    category = value.strip().upper()
    if category not in CATEGORIES:
        raise EventError(f"unknown category {value!r}; e.g. MEETING or WORKSHOPS_SKILL_SHARING")
    return category


def _check_language(value: str | None) -> str | None:
    if value is not None and not _LANGUAGE.match(value):
        raise EventError(f"invalid language code {value!r}; use e.g. de or en")
    return value


def _check_capacity(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_CAPACITY:
        raise EventError(f"the capacity must be between 1 and {MAX_CAPACITY}")
    return value


def _status(value: str) -> EventStatus:
    try:
        return EventStatus(value)
    except ValueError as error:
        raise EventError(f"unknown status {value!r}; use scheduled, cancelled or postponed") from (
            error
        )
