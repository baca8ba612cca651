"""`hub event participants|approve|reject`: an event's registrations for the organisers."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from hub.config import Settings
from hub.events import organiser, service
from hub.store.db import Database
from hub.uris import Uris

COLUMNS = ("id", "status", "name", "email", "source", "registered_at", "message")


def add_participant_commands(commands: Any) -> None:
    """Register `event participants`, `event approve` and `event reject` on `event`'s parser."""
    listed = commands.add_parser("participants", help="who is registered for a date")
    listed.add_argument("id", type=int)
    listed.add_argument("--csv", action="store_true", help="CSV with a header line")
    listed.set_defaults(run=cmd_participants)
    for name, text in (("approve", "give a pending registration a seat"),
                       ("reject", "turn a pending registration down")):  # fmt: skip
        decide = commands.add_parser(name, help=text)
        decide.add_argument("id", type=int)
        decide.add_argument("participant", type=int, help="the id from `event participants`")
        decide.set_defaults(run=cmd_decide, approve=name == "approve")


async def cmd_participants(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Print one line (or CSV row) per registration: id, status, name, email, source, time."""
    async with db.read() as session:
        await service.owner_of_event(session, args.id)
        rows = await organiser.participants(session, args.id)
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(_values(row))
        return
    for row in rows:
        print("\t".join(value.replace("\t", " ").replace("\n", " ") for value in _values(row)))


async def cmd_decide(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Approve or reject; the person gets an Accept/Reject (fediverse) or a mail (web)."""
    async with db.begin() as session:
        await service.owner_of_event(session, args.id)
        await organiser.decide(session, Uris(settings), args.id, args.participant, args.approve)
    verb = "approved" if args.approve else "rejected"
    print(f"{verb} participant {args.participant} of event {args.id}")


def _values(row: organiser.Participant) -> list[str]:
    return [str(row.id), row.status, row.name, row.email or "", row.source,
            row.registered_at.isoformat(timespec="seconds"), row.message or ""]  # fmt: skip
