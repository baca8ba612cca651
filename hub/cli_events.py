"""The `hub event ...` commands: create, list, cancel and delete a coop's events."""

from __future__ import annotations

import argparse
from typing import Any

from hub.actors import local
from hub.cli_participants import add_participant_commands
from hub.config import Settings
from hub.events import listing, service
from hub.events.documents import local_start
from hub.events.validation import EventDraft, check_event
from hub.store.db import Database
from hub.store.models import RegistrationMode
from hub.store.types import utcnow
from hub.uris import Uris


def add_event_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register `event create`, `event list`, `event cancel` and `event delete`."""
    event = commands.add_parser("event", help="events of member coops")
    event_commands = event.add_subparsers(
        dest="event_command", required=True, parser_class=parser_class
    )
    create = event_commands.add_parser("create", help="publish an event (or a series)")
    create.add_argument("username")
    _event_options(create)
    create.set_defaults(run=cmd_event_create, check=check_event_args)
    listed = event_commands.add_parser("list", help="a coop's series and upcoming dates")
    listed.add_argument("username")
    listed.set_defaults(run=cmd_event_list)
    cancel = event_commands.add_parser("cancel", help="cancel an event, a date or a series")
    cancel.add_argument("id", type=int)
    cancel.set_defaults(run=cmd_event_cancel)
    remove = event_commands.add_parser("delete", help="delete an event (followers get a Delete)")
    remove.add_argument("id", type=int)
    remove.set_defaults(run=cmd_event_delete)
    add_participant_commands(event_commands)


def _event_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--title", required=True)
    add("--start", required=True, help="local start, e.g. 2026-12-04T14:00")
    add("--tz", required=True, help="IANA time zone, e.g. Europe/Berlin")
    add("--end", help="local end (default: one hour after the start)")
    add("--description", default="", help="Markdown, #hashtags linked")
    add("--place", help="name of the venue")
    add("--address", help="postal address of the venue")
    add("--lat", type=float, help="latitude of the venue")
    add("--lon", type=float, help="longitude of the venue")
    add("--online-url", help="link to the online meeting")
    add("--image-url", help="an image for the event")
    add("--image-alt", help="what the image shows, for people who cannot see it")
    add("--category", help="e.g. MEETING or WORKSHOPS_SKILL_SHARING")
    add("--hashtag", action="append", default=[], help="a hashtag (repeatable)")
    add("--language", default="de", help="language code, e.g. de or en")
    add("--capacity", type=int, help="how many people can take part")
    add("--registration", default="open", choices=[m.value for m in RegistrationMode])
    add("--registration-url", help="where to register (with --registration external)")
    add("--registration-deadline", help="local time when registration closes")
    add("--registration-opens", help="local time when registration opens")
    add("--remind-opening", action="store_true", help="tell followers when registration opens")
    add("--remind-day-before", action="store_true", help="remind followers a day before")
    add("--rrule", help='recurrence rule, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"')
    add("--exdate", action="append", default=[], help="a local start the series skips")


def check_event_args(args: argparse.Namespace, settings: Settings) -> None:
    """Validate `event create` before anything is written."""
    args.checked = check_event(
        EventDraft(
            title=args.title, start=args.start, timezone=args.tz, end=args.end,
            description=args.description, place_name=args.place, place_address=args.address,
            latitude=args.lat, longitude=args.lon, online_url=args.online_url,
            image_url=args.image_url, image_alt=args.image_alt, category=args.category,
            hashtags=tuple(args.hashtag), language=args.language, capacity=args.capacity,
            registration=args.registration, registration_url=args.registration_url,
            registration_deadline=args.registration_deadline,
            registration_opens=args.registration_opens, remind_opening=args.remind_opening,
            remind_day_before=args.remind_day_before, rrule=args.rrule,
            exdates=tuple(args.exdate),
        )
    )  # fmt: skip


async def cmd_event_create(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Publish the event and print its URL (and for a series, how many dates)."""
    uris = Uris(settings)
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
        event = await service.create_event(session, uris, coop, args.checked)
        dates = len(await service.series_occurrences(session, event)) if event.rrule else 0
    url = uris.event(coop.username, event.id)
    suffix = f" (series with {dates} upcoming dates)" if event.rrule else ""
    print(f"created event {event.id}: {url}{suffix}")


async def cmd_event_list(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print one line per series and upcoming date: id, local start, zone, status, title."""
    async with db.begin() as session:
        coop = await local.get_coop(session, args.username)
        events = await listing.coop_events(session, coop, utcnow())
    for event in events:
        kind = "series" if event.rrule else f"date of {event.series_id}" if event.series_id else ""
        start = local_start(event).strftime("%Y-%m-%d %H:%M")
        print(f"{event.id}\t{start}\t{event.timezone}\t{event.status.value}\t{event.title}\t{kind}")


async def cmd_event_cancel(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Cancel an event; followers receive an Update and a short Note."""
    async with db.begin() as session:
        coop = await service.owner_of_event(session, args.id)
        await service.cancel_event(session, Uris(settings), coop, args.id)
    print(f"cancelled event {args.id}")


async def cmd_event_delete(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Delete an event; followers receive a Delete."""
    async with db.begin() as session:
        coop = await service.owner_of_event(session, args.id)
        await service.delete_event(session, Uris(settings), coop, args.id)
    print(f"deleted event {args.id}")
