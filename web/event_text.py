"""An event's when, where and registration as the visitor reads them, in the page's language.

The Event JSON keeps its German summary for Mastodon readers (hub.events.documents); the pages
say the same in the visitor's language, with Babel's day and month names.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from hub.store.models import Event, EventStatus, RegistrationMode
from web.i18n import N_, _, current, ngettext

# OpenGraph wants a territory too; Babel's "en" writes dates the US way.
OG_LOCALES = {"de": "de_DE", "en": "en_US"}
# Mobilizon's category codes (hub.events.validation.CATEGORIES) as people read them.
CATEGORIES = {
    "ARTS": N_("Arts"),
    "BOOK_CLUBS": N_("Book clubs"),
    "BUSINESS": N_("Business"),
    "CAUSES": N_("Causes"),
    "COMEDY": N_("Comedy"),
    "CRAFTS": N_("Crafts"),
    "FOOD_DRINK": N_("Food & drink"),
    "HEALTH": N_("Health"),
    "MUSIC": N_("Music"),
    "AUTO_BOAT_AIR": N_("Auto, boat & air"),
    "COMMUNITY": N_("Community"),
    "FAMILY_EDUCATION": N_("Family & education"),
    "FASHION_BEAUTY": N_("Fashion & beauty"),
    "FILM_MEDIA": N_("Film & media"),
    "GAMES": N_("Games"),
    "LANGUAGE_CULTURE": N_("Language & culture"),
    "LEARNING": N_("Learning"),
    "LGBTQ": N_("LGBTQ"),
    "MOVEMENTS_POLITICS": N_("Movements & politics"),
    "NETWORKING": N_("Networking"),
    "PARTY": N_("Party"),
    "PERFORMING_VISUAL_ARTS": N_("Performing & visual arts"),
    "PETS": N_("Pets"),
    "PHOTOGRAPHY": N_("Photography"),
    "OUTDOORS_ADVENTURE": N_("Outdoors & adventure"),
    "SPIRITUALITY": N_("Spirituality"),
    "SCIENCE_TECH": N_("Science & tech"),
    "SPORTS": N_("Sports"),
    "THEATRE": N_("Theatre"),
    "MEETING": N_("Meeting"),
    "WORKSHOPS_SKILL_SHARING": N_("Workshops & skill sharing"),
}


def when(event: Event) -> str:
    """'Friday, 4 December 2026, 14:00–16:00 (Europe/Berlin)' in the current language."""
    return _when(event.starts_at, event.ends_at, event.timezone, current())


@lru_cache(maxsize=8192)  # Babel takes a millisecond a line; lists show the same dates again
def _when(starts_at: datetime, ends_at: datetime, timezone: str, language: str) -> str:
    zone = ZoneInfo(timezone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    values = {
        "day": format_date(start.date(), "full", locale=language),
        "start": format_time(start, "short", tzinfo=zone, locale=language),
        "end": format_time(end, "short", tzinfo=zone, locale=language),
        "zone": timezone,
    }
    if end.date() == start.date():
        return _("%(day)s, %(start)s–%(end)s (%(zone)s)") % values
    values["last_day"] = format_date(end.date(), "full", locale=language)
    return _("%(day)s, %(start)s until %(last_day)s, %(end)s (%(zone)s)") % values


def where(event: Event) -> str:
    """The place, 'online', or both."""
    if not event.place_name:
        return _("Online")
    place = ", ".join(part for part in (event.place_name, event.place_address) if part)
    if event.online_url:
        return _("Place: %(place)s, and online") % {"place": place}
    return _("Place: %(place)s") % {"place": place}


def registration(event: Event, page_url: str) -> str:
    """How to register, with the capacity."""
    match event.registration_mode:
        case RegistrationMode.open:
            line = _("Registration: %(url)s") % {"url": page_url}
        case RegistrationMode.approval:
            line = _("Registration with confirmation: %(url)s") % {"url": page_url}
        case RegistrationMode.external:
            line = _("Registration: %(url)s") % {"url": event.registration_url}
        case _:
            return _("No registration possible")
    if not event.capacity:
        return line
    seats = ngettext("(at most %(num)s place)", "(at most %(num)s places)", event.capacity)
    return f"{line} {seats % {'num': event.capacity}}"


def summary(event: Event, page_url: str) -> str:
    """The page's description line: when, where, how to register, and a status if not as planned."""
    line = " · ".join((when(event), where(event), registration(event, page_url)))
    if event.status == EventStatus.cancelled:
        return _("CANCELLED: %(summary)s") % {"summary": line}
    if event.status == EventStatus.postponed:
        return _("POSTPONED: %(summary)s") % {"summary": line}
    return line


def category(event: Event) -> str | None:
    """The event's category as people read it (an unknown code as it is)."""
    if not event.category:
        return None
    label = CATEGORIES.get(event.category)
    return _(label) if label else event.category


def og_locale() -> str:
    """The OpenGraph locale of the current language."""
    return OG_LOCALES[current()]
