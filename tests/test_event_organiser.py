"""Organiser chores done by the worker: reminders to followers, wiping personal data later."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub import worker
from hub.config import Settings
from hub.events import rsvp, webrsvp
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import (
    Event,
    EventParticipant,
    LocalActor,
    ParticipationState,
    RemoteActor,
    WebRegistration,
)
from hub.store.types import utcnow
from hub.uris import Uris
from tests.events_data import CALL, add_event
from tests.fakeremote import FakeRemote
from tests.federation_data import add_follower
from tests.helpers import make_coop

BERLIN = ZoneInfo("Europe/Berlin")
FOLLOWERS = ("followers.test", "127.0.0.92")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, resolve={**settings.resolve, FOLLOWERS[0]: FOLLOWERS[1]})


@pytest.fixture
async def follower(db: Database, settings: Settings) -> AsyncIterator[FakeRemote]:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")
    server = FakeRemote(*FOLLOWERS)
    await server.start()
    await add_follower(db, "fairbnb", server.actor("fan"))
    yield server
    await server.stop()


def notes(remote: FakeRemote) -> list[str]:
    """The text of every Note the follower received in a Create."""
    return [
        r.activity["object"]["content"]
        for r in remote.received
        if r.activity["type"] == "Create" and r.activity["object"]["type"] == "Note"
    ]


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


async def test_followers_hear_once_when_registration_opens_and_a_day_before(
    db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await add_event(
        db, settings, CALL, registration_opens="2030-11-20T10:00", remind_opening=True,
        remind_day_before=True,
    )  # fmt: skip
    await worker.run_once(federation, now=berlin("2030-11-20T09:00"))
    assert notes(follower) == []
    for moment in ("2030-11-20T10:01", "2030-11-20T10:05", "2030-11-21T10:00"):
        await worker.run_once(federation, now=berlin(moment))
    [opening] = notes(follower)
    assert "Die Anmeldung ist offen" in opening and "Offener Community-Call" in opening
    await worker.run_once(federation, now=berlin("2030-12-05T13:00"))
    assert len(notes(follower)) == 1  # more than a day before the start
    for moment in ("2030-12-05T14:01", "2030-12-05T14:10", "2030-12-06T13:00"):
        await worker.run_once(federation, now=berlin(moment))
    [_, tomorrow] = notes(follower)
    assert "Morgen" in tomorrow and "Freitag, 6. Dezember 2030, 14:00" in tomorrow


async def test_events_without_the_flags_or_cancelled_get_no_reminder(
    db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await add_event(db, settings, CALL, registration_opens="2030-11-20T10:00")
    await add_event(db, settings, CALL, remind_day_before=True, status="cancelled")
    for moment in ("2030-11-20T10:01", "2030-12-05T14:01"):
        await worker.run_once(federation, now=berlin(moment))
    assert notes(follower) == []


async def add_participants(db: Database, settings: Settings, event: Event) -> None:
    """A confirmed web registration, an unconfirmed one, and a fediverse Join with a message."""
    uris, now = Uris(settings), utcnow()
    form = webrsvp.Form("Ada Lovelace", "ada@example.org", False)
    async with db.begin() as session:
        coop = await session.get(LocalActor, event.local_actor_id)
        assert coop is not None
        registration = await webrsvp.start(session, uris, coop, event, form, "ip-hash", now)
        await webrsvp.confirm(session, uris, registration, now)
        other = webrsvp.Form("Bo", "bo@example.org", False)
        await webrsvp.start(session, uris, coop, event, other, "ip-hash", now)
        cy = "https://followers.test/users/cy"
        remote = RemoteActor(uri=cy, domain="followers.test", username="cy", inbox_uri=f"{cy}/i")
        session.add(remote)
        await session.flush()
        joined = EventParticipant(event_id=event.id, remote_actor_id=remote.id, by_join=True,
                                  join_uri="https://followers.test/j/1", message="Ich komme gern",
                                  state=ParticipationState.accepted)  # fmt: skip
        locked = await rsvp.lock_event(session, event.id)
        assert locked is not None
        await rsvp.register(session, uris, coop, locked, remote, joined)


async def personal_data(db: Database) -> list[Any]:
    async with db.read() as session:
        web = (await session.execute(select(WebRegistration).order_by(WebRegistration.id))).all()
        messages = (await session.execute(select(EventParticipant.message))).scalars().all()
    return [
        *[(r.name, r.email, r.confirm_hash, r.manage_hash, r.ip_hash) for (r,) in web],
        sorted(message or "" for message in messages),
    ]


async def test_personal_data_is_wiped_30_days_after_the_event_by_the_worker(
    db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL)
    await add_participants(db, settings, event)
    end = event.ends_at
    await worker.run_once(federation, now=end + timedelta(days=29))
    before = await personal_data(db)
    assert before[0][:2] == ("Ada Lovelace", "ada@example.org") and before[0][3]
    assert before[-1] == ["", "Ich komme gern"]
    await worker.run_once(federation, now=end + timedelta(days=31))
    after = await personal_data(db)
    # The unconfirmed registration is gone; the confirmed one keeps no personal data.
    assert after == [(None, None, None, None, None), ["", ""]]
    async with db.read() as session:
        seats = await rsvp.seats_taken(session, event)
    assert seats == 2  # the counts stay for the coop's statistics


async def test_each_date_of_a_series_gets_its_own_reminder(
    db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await add_event(
        db, settings, CALL, now=berlin("2030-12-01T00:00"), rrule="FREQ=WEEKLY;BYDAY=FR",
        remind_day_before=True,
    )  # fmt: skip
    for moment in ("2030-12-05T14:30", "2030-12-05T15:00", "2030-12-12T14:30"):
        await worker.run_once(federation, now=berlin(moment))
    reminders = notes(follower)
    assert len(reminders) == 2
    assert "6. Dezember 2030" in reminders[0] and "13. Dezember 2030" in reminders[1]
