"""Events: validation with one-line errors, storage in UTC, and their Create to followers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.events.validation import EventError, check_event
from hub.store.db import Database
from hub.store.models import EventStatus, RegistrationMode
from tests.events_data import CALL, WORKSHOP, add_event, events_of, sent
from tests.federation_data import add_follower
from tests.helpers import make_coop


@pytest.fixture
async def coop(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")
    await add_follower(db, "fairbnb", "https://a.test/users/1", "https://a.test/inbox")
    await add_follower(db, "fairbnb", "https://b.test/users/2")


@pytest.mark.usefixtures("coop")
async def test_an_event_is_stored_in_utc_and_sent_to_each_follower_inbox(
    db: Database, settings: Any
) -> None:
    event = await add_event(db, settings, WORKSHOP)
    assert event.starts_at == datetime(2030, 12, 6, 13, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2030, 12, 6, 14, 30, tzinfo=UTC)
    assert event.registration_deadline == datetime(2030, 12, 5, 17, 0, tzinfo=UTC)
    assert event.registration_mode == RegistrationMode.approval
    assert event.status == EventStatus.scheduled
    assert "<strong>Plattform-Genossenschaften</strong>" in event.description_html
    assert event.hashtags == ["genossenschaft", "platformcoop"]
    deliveries = await sent(db)
    assert [inbox for inbox, _ in deliveries] == [
        "https://a.test/inbox",
        "https://b.test/users/2/inbox",
    ]
    activity = deliveries[0][1]
    assert activity["type"] == "Create"
    assert activity["id"] == f"http://hub.test/users/fairbnb/events/{event.id}/create"
    assert activity["object"]["type"] == "Event"
    assert activity["object"]["startTime"] == "2030-12-06T14:00:00+01:00"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end": "2030-12-06T13:00"}, "ends before it starts"),
        ({"timezone": "Europe/Bärlin"}, "unknown time zone"),
        ({"start": "2027-03-28T02:30", "end": "2027-03-28T04:00"}, "does not exist"),
        ({"start": "4.12.2026 14 Uhr"}, "invalid start"),
        ({"start": "2026-12-04T14:00+01:00"}, "without an offset"),
        ({"online_url": None}, "give a place"),
        ({"online_url": "javascript:alert(1)"}, "invalid online meeting URL"),
        ({"image_url": "https://images.example.org/a.png"}, "needs a description"),
        ({"hashtags": ("two words",)}, "invalid hashtag"),
        ({"category": "PICNIC"}, "unknown category"),
        ({"capacity": 0}, "capacity must be"),
        ({"registration": "external"}, "needs --registration-url"),
        ({"registration": "maybe"}, "unknown registration mode"),
        ({"registration_deadline": "2030-12-07T10:00"}, "deadline is after"),
        ({"latitude": 52.5}, "both latitude and longitude"),
        ({"rrule": "FREQ=HOURLY"}, "at most daily"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, "no date within two years"),
        ({"rrule": "FREQ=DAILY;COUNT=5000"}, "at most 1000"),
        ({"rrule": "FREQ=WEEKLY;DTSTART=20261204"}, "invalid recurrence rule"),
        ({"rrule": "FREQ=SOMETIMES"}, "invalid recurrence rule"),
        ({"exdates": ("2030-12-20T14:00",)}, "need a recurrence rule"),
        (
            {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "exdates": ("2030-12-13T14:00",)},
            "not a date of the series",
        ),
        ({"title": "  "}, "has no title"),
    ],
)
def test_bad_input_is_refused_with_one_line(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(EventError, match=message) as error:
        check_event(dataclasses.replace(CALL, **changes))
    assert "\n" not in str(error.value)


async def test_a_refused_event_writes_nothing(db: Database, settings: Any, coop: None) -> None:
    with pytest.raises(EventError):
        await add_event(db, settings, CALL, end="2030-12-01T10:00")
    assert await events_of(db) == [] and await sent(db) == []


def test_an_until_in_local_time_is_kept_as_utc_for_icalendar() -> None:
    checked = check_event(dataclasses.replace(CALL, rrule="freq=weekly;until=20310115T140000"))
    assert checked.rrule == "FREQ=WEEKLY;UNTIL=20310115T130000Z"
