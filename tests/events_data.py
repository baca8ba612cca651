"""Test data for events: drafts, and events created through the hub's own services."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hub.actors.local import get_coop
from hub.config import Settings
from hub.events.service import create_event
from hub.events.validation import EventDraft, check_event
from hub.store.db import Database
from hub.store.models import Delivery, Event, OutgoingActivity
from hub.uris import Uris

CALL = EventDraft(
    title="Offener Community-Call",
    description="Wir sprechen über **Plattform-Genossenschaften**. #PlatformCoop",
    start="2030-12-06T14:00",
    end="2030-12-06T15:30",
    timezone="Europe/Berlin",
    online_url="https://meet.example.org/coop-call",
    category="MEETING",
    hashtags=("Genossenschaft",),
    capacity=50,
)
WORKSHOP = dataclasses.replace(
    CALL,
    title="Workshop: Genossenschaft gründen",
    online_url=None,
    place_name="Nachbarschaftshaus",
    place_address="Hauptstraße 1, 10827 Berlin",
    latitude=52.4862,
    longitude=13.3542,
    category="WORKSHOPS_SKILL_SHARING",
    image_url="https://images.example.org/workshop.png",
    image_alt="Menschen sitzen im Kreis und planen",
    registration="approval",
    registration_deadline="2030-12-05T18:00",
)


async def add_event(
    db: Database,
    settings: Settings,
    draft: EventDraft,
    username: str = "fairbnb",
    now: datetime | None = None,
    **changes: Any,
) -> Event:
    """Create an event for a coop through the service."""
    checked = check_event(dataclasses.replace(draft, **changes))
    async with db.begin() as session:
        coop = await get_coop(session, username)
        return await create_event(session, Uris(settings), coop, checked, now)


async def sent(db: Database) -> list[tuple[str, dict[str, Any]]]:
    """Every queued (inbox, activity), oldest first."""
    async with db.begin() as session:
        rows = await session.execute(
            select(Delivery.inbox_uri, OutgoingActivity.ap_json)
            .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
            .order_by(Delivery.id)
        )
        return [(inbox, activity) for inbox, activity in rows.all()]


async def events_of(db: Database) -> list[Event]:
    """Every event row, by id."""
    async with db.begin() as session:
        return list((await session.execute(select(Event).order_by(Event.id))).scalars())
