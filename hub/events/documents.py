"""An event as ActivityStreams: one document for Mastodon, Mobilizon, Gancio and FEP-8a8e."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from hub.activitypub.vocab import AS_CONTEXT, PUBLIC, iso
from hub.store.models import Event, EventStatus, LocalActor, RegistrationMode
from hub.uris import Uris

# Extension terms defined inline (FEDERATION.md): schema.org, Mobilizon and iCalendar.
EVENT_TERMS = {
    "sc": "http://schema.org#",
    "mz": "https://joinmobilizon.org/ns#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "Hashtag": "as:Hashtag",
    "PostalAddress": "sc:PostalAddress",
    "streetAddress": "sc:streetAddress",
    "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
    "VirtualLocation": "mz:VirtualLocation",
    "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
    "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "externalParticipationUrl": {"@id": "mz:externalParticipationUrl", "@type": "sc:URL"},
    "category": "sc:category",
    "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
    "participantCount": {"@id": "mz:participantCount", "@type": "sc:Integer"},
    "eventStatus": {"@id": "sc:eventStatus", "@type": "@id"},
}
EVENT_CONTEXT = [AS_CONTEXT, EVENT_TERMS]
JOIN_MODES = {
    RegistrationMode.open: "free",
    RegistrationMode.approval: "restricted",
    RegistrationMode.closed: "invite",
    RegistrationMode.external: "external",
}
SCHEMA_STATUS = {
    EventStatus.scheduled: "https://schema.org/EventScheduled",
    EventStatus.cancelled: "https://schema.org/EventCancelled",
    EventStatus.postponed: "https://schema.org/EventPostponed",
}
ICAL_STATUS = {
    EventStatus.scheduled: "CONFIRMED",
    EventStatus.cancelled: "CANCELLED",
    EventStatus.postponed: "TENTATIVE",
}
ONLINE_NAME = "Online (Link nach der Anmeldung)"
STATUS_PREFIX = {EventStatus.cancelled: "ABGESAGT: ", EventStatus.postponed: "VERSCHOBEN: "}


def local_start(event: Event) -> datetime:
    """The start in the event's own time zone."""
    return event.starts_at.astimezone(ZoneInfo(event.timezone))


def local_end(event: Event) -> datetime:
    """The end in the event's own time zone."""
    return event.ends_at.astimezone(ZoneInfo(event.timezone))


def when_line(event: Event) -> str:
    """'Freitag, 4. Dezember 2026, 14:00–16:00 Uhr (Europe/Berlin)', in German."""
    start, end = local_start(event), local_end(event)
    day = format_date(start.date(), "EEEE, d. MMMM y", locale="de")
    if end.date() == start.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M} Uhr ({event.timezone})"
    last = format_date(end.date(), "EEEE, d. MMMM y", locale="de")
    return f"{day}, {start:%H:%M} Uhr bis {last}, {end:%H:%M} Uhr ({event.timezone})"


def where_line(event: Event) -> str:
    """The place, 'online', or both."""
    if event.place_name:
        place = ", ".join(part for part in (event.place_name, event.place_address) if part)
        return f"Ort: {place}" + (" und online" if event.online_url else "")
    return "Online"


def registration_line(event: Event, page_url: str) -> str:
    """How to register, with the capacity."""
    seats = f" (höchstens {event.capacity} Plätze)" if event.capacity else ""
    match event.registration_mode:
        case RegistrationMode.open:
            return f"Anmeldung: {page_url}{seats}"
        case RegistrationMode.approval:
            return f"Anmeldung mit Bestätigung: {page_url}{seats}"
        case RegistrationMode.external:
            return f"Anmeldung: {event.registration_url}{seats}"
        case _:
            return "Keine Anmeldung möglich"


def summary_line(event: Event, page_url: str) -> str:
    """The line Mastodon shows under the title: when, where, how to register."""
    prefix = STATUS_PREFIX.get(event.status, "")
    parts = [when_line(event), where_line(event), registration_line(event, page_url)]
    return prefix + " · ".join(parts)


def event_json(
    event: Event, coop: LocalActor, uris: Uris, participants: int | None = None
) -> dict[str, Any]:
    """An event of ours as an Event object (without @context)."""
    url = uris.event(coop.username, event.id)
    summary = summary_line(event, url)
    doc: dict[str, Any] = {
        "id": url,
        "type": "Event",
        "url": url,
        "attributedTo": uris.actor(coop.username),
        "to": [PUBLIC],
        "cc": [uris.actor_urls(coop.username).followers],
        "name": event.title,
        "summary": summary,
        "content": event.description_html,
        "mediaType": "text/html",
        "published": iso(event.published_at),
        "startTime": local_start(event).isoformat(),
        "endTime": local_end(event).isoformat(),
        "timezone": event.timezone,
        "location": _location(event),
        "isOnline": event.place_name is None,
        "joinMode": JOIN_MODES[event.registration_mode],
        "eventStatus": SCHEMA_STATUS[event.status],
        "ical:status": ICAL_STATUS[event.status],
        "tag": [
            {"type": "Hashtag", "href": uris.tag(name), "name": f"#{name}"}
            for name in event.hashtags
        ],
        "attachment": _attachment(event),
    }
    if event.language:
        doc["nameMap"] = {event.language: event.title}
        doc["summaryMap"] = {event.language: summary}
        doc["contentMap"] = {event.language: event.description_html}
    _optional(doc, event, coop, uris, participants)
    return doc


def with_event_context(document: dict[str, Any]) -> dict[str, Any]:
    """A top-level document with the event context (standard URL plus inline terms)."""
    return {"@context": EVENT_CONTEXT, **document}


def _optional(
    doc: dict[str, Any], event: Event, coop: LocalActor, uris: Uris, participants: int | None
) -> None:
    if event.category:
        doc["category"] = event.category
    if event.capacity:
        doc["maximumAttendeeCapacity"] = event.capacity
        if participants is not None:
            doc["remainingAttendeeCapacity"] = max(event.capacity - participants, 0)
    if participants is not None:
        doc["participantCount"] = participants
    if event.registration_mode == RegistrationMode.external:
        doc["externalParticipationUrl"] = event.registration_url
    if event.series_id is not None:
        # The series this occurrence belongs to (FEDERATION.md: link back to the series).
        doc["context"] = uris.event(coop.username, event.series_id)
    if event.updated_at:
        doc["updated"] = iso(event.updated_at)


def _location(event: Event) -> Any:
    places: list[dict[str, Any]] = []
    if event.place_name:
        place: dict[str, Any] = {"type": "Place", "name": event.place_name}
        if event.place_address:
            place["address"] = {"type": "PostalAddress", "streetAddress": event.place_address}
        if event.latitude is not None:
            place["latitude"], place["longitude"] = event.latitude, event.longitude
        places.append(place)
    if event.online_url:
        # The meeting link goes only to confirmed participants (their page and mail).
        places.append({"type": "VirtualLocation", "name": ONLINE_NAME})
    return places[0] if len(places) == 1 else places


def _attachment(event: Event) -> list[dict[str, Any]]:
    if not event.image_url:
        return []
    media_type = mimetypes.guess_type(event.image_url)[0] or "image/jpeg"
    return [{"type": "Image", "mediaType": media_type, "url": event.image_url,
             "name": event.image_alt}]  # fmt: skip
