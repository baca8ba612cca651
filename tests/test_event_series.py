"""Recurring series: DST-correct dates, exceptions, a bounded horizon, per-date changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub.actors.local import get_coop
from hub.events import service
from hub.events.validation import check_event
from hub.store.db import Database
from hub.store.models import Event, EventStatus, Post
from hub.uris import Uris
from hub.worker import run_once
from tests.events_data import CALL, add_event, events_of, sent
from tests.federation_data import add_follower
from tests.helpers import make_coop

BIWEEKLY = dataclasses.replace(
    CALL, start="2027-03-05T14:00", end="2027-03-05T15:00", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
)
MARCH_1 = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture
async def coop(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")
    await add_follower(db, "fairbnb", "https://a.test/users/1", "https://a.test/inbox")


def _occurrences(events: list[Event]) -> list[Event]:
    return [event for event in events if event.series_id is not None]


@pytest.mark.usefixtures("coop")
async def test_every_second_friday_stays_at_14_00_berlin_across_the_dst_change(
    db: Database, settings: Any
) -> None:
    series = await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    occurrences = _occurrences(await events_of(db))
    assert [o.starts_at.isoformat() for o in occurrences[:4]] == [
        "2027-03-05T13:00:00+00:00",
        "2027-03-19T13:00:00+00:00",
        "2027-04-02T12:00:00+00:00",  # summer time since 28 March: still 14:00 in Berlin
        "2027-04-16T12:00:00+00:00",
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=1) for o in occurrences)
    assert all(o.series_id == series.id and o.recurrence_id == o.starts_at for o in occurrences)
    # 90 days from 1 March reach to 30 May: seven Fridays.
    assert len(occurrences) == 7 and occurrences[-1].starts_at.date().isoformat() == "2027-05-28"
    creates = [activity for _, activity in await sent(db)]
    assert [a["object"]["startTime"] for a in creates[:3]] == [
        "2027-03-05T14:00:00+01:00",
        "2027-03-19T14:00:00+01:00",
        "2027-04-02T14:00:00+02:00",
    ]
    assert {a["object"]["context"] for a in creates} == {
        f"http://hub.test/users/fairbnb/events/{series.id}"
    }
    assert len({a["object"]["id"] for a in creates}) == 7


@pytest.mark.usefixtures("coop")
async def test_exception_dates_are_left_out(db: Database, settings: Any) -> None:
    await add_event(db, settings, BIWEEKLY, now=MARCH_1, exdates=("2027-03-19T14:00",))
    starts = [o.starts_at.date().isoformat() for o in _occurrences(await events_of(db))]
    assert starts[:3] == ["2027-03-05", "2027-04-02", "2027-04-16"]


@pytest.mark.usefixtures("coop")
async def test_the_worker_extends_the_horizon_without_repeating_dates(
    db: Database, settings: Any
) -> None:
    await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    async with db.begin() as session:
        made = await service.extend_series(session, Uris(settings), MARCH_1 + timedelta(days=30))
        again = await service.extend_series(session, Uris(settings), MARCH_1 + timedelta(days=30))
    assert (made, again) == (2, 0)
    starts = [o.starts_at for o in _occurrences(await events_of(db))]
    assert len(starts) == len(set(starts)) == 9
    assert len(await sent(db)) == 9


@pytest.mark.usefixtures("coop")
async def test_a_daily_series_is_materialised_at_most_thirty_dates_ahead(
    db: Database, settings: Any
) -> None:
    await add_event(db, settings, BIWEEKLY, now=MARCH_1, rrule="FREQ=DAILY")
    assert len(_occurrences(await events_of(db))) == service.MAX_AHEAD
    later = MARCH_1 + timedelta(days=10)
    async with db.begin() as session:
        made = await service.extend_series(session, Uris(settings), later)
    assert made == 6  # six dates passed by 11 March
    events = _occurrences(await events_of(db))
    assert len([e for e in events if e.ends_at > later]) == service.MAX_AHEAD


@pytest.mark.usefixtures("coop")
async def test_a_changed_date_keeps_its_own_values_and_sends_an_update(
    db: Database, settings: Any
) -> None:
    await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    second = _occurrences(await events_of(db))[1]
    moved = dataclasses.replace(
        CALL, title="Community-Call (verschoben)", start="2027-03-19T16:00", end="2027-03-19T17:00"
    )
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.update_event(session, Uris(settings), coop, second.id, check_event(moved))
    changed = _occurrences(await events_of(db))[1]
    assert changed.customised and changed.title == "Community-Call (verschoben)"
    assert changed.starts_at == datetime(2027, 3, 19, 15, 0, tzinfo=UTC)
    assert changed.recurrence_id == datetime(2027, 3, 19, 13, 0, tzinfo=UTC)
    update = (await sent(db))[-1][1]
    assert update["type"] == "Update" and update["object"]["updated"]
    assert update["object"]["startTime"] == "2027-03-19T16:00:00+01:00"


@pytest.mark.usefixtures("coop")
async def test_cancelling_one_date_sends_update_and_note(db: Database, settings: Any) -> None:
    await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    first = _occurrences(await events_of(db))[0]
    before = len(await sent(db))
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.cancel_event(session, Uris(settings), coop, first.id)
    activities = [a for _, a in (await sent(db))[before:]]
    assert [a["type"] for a in activities] == ["Update", "Create"]
    assert activities[0]["object"]["eventStatus"] == "https://schema.org/EventCancelled"
    assert activities[0]["object"]["ical:status"] == "CANCELLED"
    assert activities[0]["object"]["summary"].startswith("ABGESAGT: ")
    note = activities[1]["object"]
    assert note["type"] == "Note" and "Abgesagt" in note["content"]
    assert "Freitag, 5. März 2027" in note["content"]
    statuses = [o.status for o in _occurrences(await events_of(db))]
    assert statuses[0] == EventStatus.cancelled and set(statuses[1:]) == {EventStatus.scheduled}


@pytest.mark.usefixtures("coop")
async def test_cancelling_a_series_cancels_its_upcoming_dates_and_stops_it(
    db: Database, settings: Any
) -> None:
    series = await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.cancel_event(session, Uris(settings), coop, series.id)
        made = await service.extend_series(session, Uris(settings), MARCH_1 + timedelta(days=60))
        notes = (await session.execute(select(Post))).scalars().all()
    assert made == 0
    events = await events_of(db)
    assert {e.status for e in events} == {EventStatus.cancelled}
    updates = [a for _, a in await sent(db) if a["type"] == "Update"]
    assert len(updates) == 7
    assert len(notes) == 1 and "findet nicht mehr statt" in notes[0].content_html


@pytest.mark.usefixtures("coop")
async def test_deleting_a_series_sends_a_delete_for_each_date(db: Database, settings: Any) -> None:
    series = await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.delete_event(session, Uris(settings), coop, series.id)
    deletes = [a for _, a in await sent(db) if a["type"] == "Delete"]
    assert len(deletes) == 7 and deletes[0]["object"]["type"] == "Tombstone"
    assert all(e.deleted_at is not None for e in await events_of(db))


async def test_the_worker_step_tops_a_running_series_up_to_thirty_dates(
    db: Database, settings: Any, federation: Any, coop: None
) -> None:
    began = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)
    start = began.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:%M")
    draft = dataclasses.replace(BIWEEKLY, start=start, end=None, rrule="FREQ=DAILY")
    await add_event(db, settings, draft, now=began)
    assert len(_occurrences(await events_of(db))) == service.MAX_AHEAD
    await run_once(federation)
    now = datetime.now(UTC)
    upcoming = [e for e in _occurrences(await events_of(db)) if e.ends_at > now]
    assert len(upcoming) == service.MAX_AHEAD


@pytest.mark.usefixtures("coop")
async def test_a_deleted_date_becomes_an_exception_of_the_series(
    db: Database, settings: Any
) -> None:
    series = await add_event(db, settings, BIWEEKLY, now=MARCH_1)
    second = _occurrences(await events_of(db))[1]
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.delete_event(session, Uris(settings), coop, second.id)
        await service.extend_series(session, Uris(settings), MARCH_1 + timedelta(days=2))
    reloaded = next(e for e in await events_of(db) if e.id == series.id)
    assert reloaded.exdates == ["2027-03-19T14:00"]
    live = [e for e in _occurrences(await events_of(db)) if e.deleted_at is None]
    assert "2027-03-19" not in [e.starts_at.date().isoformat() for e in live]
    assert [a["type"] for _, a in await sent(db)][-1] == "Delete"
