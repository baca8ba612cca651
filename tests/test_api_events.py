"""The events API under /api/v1/hub/: coop tokens create, change, cancel and read events."""

from __future__ import annotations

from typing import Any

import pytest

from hub.config import Settings
from hub.store.db import Database
from hub.store.models import Event, EventParticipant, EventStatus, Post
from tests.apikit import count, person_with_coop, token_for
from tests.events_data import sent
from tests.federation_data import add_follower
from tests.test_organiser_pages import join_from_fediverse, register_web

EVENTS = "/api/v1/hub/events"
FAN = "http://remote.test/users/ada"
WORKSHOP = {
    "title": "Workshop: Genossenschaft gründen",
    "description": "Wir gründen #gemeinsam.",
    "start": "2030-12-06T14:00",
    "end": "2030-12-06T17:00",
    "timezone": "Europe/Berlin",
    "place_name": "Nachbarschaftshaus",
    "place_address": "Hauptstraße 1, 10827 Berlin",
    "latitude": 52.4862,
    "longitude": 13.3542,
    "capacity": 2,
    "registration": "approval",
    "hashtags": ["Genossenschaft"],
}
CALL = {
    "title": "Offener Community-Call",
    "start": "2030-12-06T14:00",
    "timezone": "Europe/Berlin",
    "online_url": "https://meet.example.org/coop-call",
    "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=4",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def tokens(db: Database, settings: Settings) -> dict[str, str]:
    """Tokens of fairbnb (full, read-only, events-only) and of another coop."""
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    other, other_coop = await person_with_coop(db, settings, "eva@other.example", "othercoop")
    await add_follower(db, "fairbnb", FAN)
    return {
        "write": await token_for(db, person, coop, "read write"),
        "read": await token_for(db, person, coop, "read"),
        "events": await token_for(db, person, coop, "read:events write:events"),
        "statuses": await token_for(db, person, coop, "read:statuses write:statuses"),
        "other": await token_for(db, other, other_coop, "read write"),
    }


async def test_a_coop_creates_an_event_and_followers_get_it(
    client: Any, db: Database, tokens: dict[str, str]
) -> None:
    created = await client.post(EVENTS, json=WORKSHOP, headers=auth(tokens["events"]))
    event = await created.json()
    assert created.status == 200, event
    assert event["title"] == WORKSHOP["title"] and event["start"] == "2030-12-06T14:00"
    assert (
        event["starts_at"] == "2030-12-06T14:00:00+01:00" and event["timezone"] == "Europe/Berlin"
    )
    assert event["hashtags"] == ["genossenschaft", "gemeinsam"] and event["capacity"] == 2
    assert event["registration"] == "approval" and event["status"] == "scheduled"
    assert event["url"].endswith(f"/users/fairbnb/events/{event['id']}")
    assert [a["type"] for inbox, a in await sent(db) if inbox == f"{FAN}/inbox"] == ["Create"]
    shown = await (await client.get(f"{EVENTS}/{event['id']}", headers=auth(tokens["read"]))).json()
    assert shown == event
    listed = await (await client.get(EVENTS, headers=auth(tokens["read"]))).json()
    assert [item["id"] for item in listed] == [event["id"]]


async def test_a_series_lists_its_occurrences_and_cancelling_it_cancels_them(
    client: Any, db: Database, tokens: dict[str, str]
) -> None:
    series = await (await client.post(EVENTS, json=CALL, headers=auth(tokens["write"]))).json()
    assert series["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=4"
    dates = await (
        await client.get(f"{EVENTS}/{series['id']}/occurrences", headers=auth(tokens["read"]))
    ).json()
    assert [date["start"] for date in dates] == [
        "2030-12-06T14:00", "2030-12-20T14:00", "2031-01-03T14:00", "2031-01-17T14:00",
    ]  # fmt: skip
    assert {date["series_id"] for date in dates} == {series["id"]}
    cancelled = await client.post(f"{EVENTS}/{series['id']}/cancel", headers=auth(tokens["write"]))
    assert cancelled.status == 200 and (await cancelled.json())["status"] == "cancelled"
    async with db.read() as session:
        rows = (await session.execute(Event.__table__.select())).all()
    assert {row.status for row in rows} == {EventStatus.cancelled}
    assert await count(db, Post) == 1  # the short Note to followers
    again = await client.post(f"{EVENTS}/{series['id']}/cancel", headers=auth(tokens["write"]))
    assert again.status == 422
    assert (await again.json())[
        "error"
    ] == f"Validation failed: event {series['id']} is already cancelled"


async def test_patch_changes_the_given_fields_keeps_the_rest_and_sends_an_update(
    client: Any, db: Database, tokens: dict[str, str]
) -> None:
    event = await (await client.post(EVENTS, json=WORKSHOP, headers=auth(tokens["write"]))).json()
    change = {"title": "Workshop (verschoben)", "start": "2030-12-13T10:00", "status": "postponed"}
    patched = await client.patch(
        f"{EVENTS}/{event['id']}", json=change, headers=auth(tokens["write"])
    )
    body = await patched.json()
    assert patched.status == 200, body
    assert body["title"] == "Workshop (verschoben)" and body["status"] == "postponed"
    assert (body["start"], body["end"]) == ("2030-12-13T10:00", "2030-12-13T13:00")
    assert body["place_name"] == "Nachbarschaftshaus" and body["capacity"] == 2
    assert [a["type"] for inbox, a in await sent(db) if inbox == f"{FAN}/inbox"] == [
        "Create", "Update",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({**WORKSHOP, "end": "2030-12-06T13:00"},
         "the event ends before it starts; give an --end after --start"),
        ({**WORKSHOP, "timezone": "Mars/Olympus"},
         "unknown time zone 'Mars/Olympus'; use an IANA name like Europe/Berlin"),
        ({**CALL, "rrule": "FREQ=HOURLY"}, None),
        ({**WORKSHOP, "capacity": "viele"}, "capacity must be a number"),
        ({**WORKSHOP, "capacity": True}, "capacity must be a whole number"),
        ({**WORKSHOP, "colour": "red"}, "unknown field 'colour'"),
        ({**WORKSHOP, "status": "cancelled"}, "cancel with POST /api/v1/hub/events/ID/cancel"),
        ({**WORKSHOP, "hashtags": ["coop", 5]}, "hashtags must be a list of strings"),
        ({"title": "Ohne Zeit"}, None),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_with_422_and_nothing_is_stored(
    client: Any, db: Database, tokens: dict[str, str], body: dict[str, Any], error: str | None
) -> None:
    answer = await client.post(EVENTS, json=body, headers=auth(tokens["write"]))
    message = (await answer.json())["error"]
    assert answer.status == 422 and message.startswith("Validation failed: ")
    if error:
        assert message == f"Validation failed: {error}"
    assert await count(db, Event) == 0 and await sent(db) == []


async def test_patch_refuses_what_the_cli_refuses(
    client: Any, db: Database, settings: Settings, tokens: dict[str, str]
) -> None:
    event = await (await client.post(EVENTS, json=WORKSHOP, headers=auth(tokens["write"]))).json()
    await register_web(db, settings, int(event["id"]), "Ada", "ada@example.org")
    await join_from_fediverse(db, settings, int(event["id"]))
    url = f"{EVENTS}/{event['id']}"
    async with db.begin() as session:
        await session.execute(EventParticipant.__table__.update().values(state="accepted"))
    low = await client.patch(url, json={"capacity": 1}, headers=auth(tokens["write"]))
    assert low.status == 422
    assert (await low.json())["error"] == (
        "Validation failed: 2 people are registered; the capacity cannot be lower"
    )
    cancel = await client.patch(url, json={"status": "cancelled"}, headers=auth(tokens["write"]))
    assert cancel.status == 422
    series = await (await client.post(EVENTS, json=CALL, headers=auth(tokens["write"]))).json()
    whole = await client.patch(
        f"{EVENTS}/{series['id']}", json={"title": "Neu"}, headers=auth(tokens["write"])
    )
    assert whole.status == 422
    shown = await (await client.get(url, headers=auth(tokens["read"]))).json()
    assert shown["capacity"] == 2 and shown["status"] == "scheduled"


async def test_participants_are_listed_with_status_and_source(
    client: Any, db: Database, settings: Settings, tokens: dict[str, str]
) -> None:
    event = await (await client.post(EVENTS, json=WORKSHOP, headers=auth(tokens["write"]))).json()
    await register_web(db, settings, int(event["id"]), "Ada Lovelace", "ada@example.org")
    await join_from_fediverse(db, settings, int(event["id"]))
    answer = await client.get(f"{EVENTS}/{event['id']}/participants", headers=auth(tokens["read"]))
    rows = await answer.json()
    assert answer.status == 200
    assert [(r["name"], r["email"], r["source"], r["status"]) for r in rows] == [
        ("Ada Lovelace", "ada@example.org", "web", "pending"),
        ("@cy@gathering.test", None, "fediverse", "pending"),
    ]
    assert rows[1]["message"] == "Ich bringe Kuchen" and rows[0]["event_id"] == event["id"]


async def test_tokens_without_the_scope_or_of_another_coop_are_refused(
    client: Any, db: Database, tokens: dict[str, str]
) -> None:
    event = await (await client.post(EVENTS, json=WORKSHOP, headers=auth(tokens["write"]))).json()
    url = f"{EVENTS}/{event['id']}"
    assert (await client.get(url)).status == 401
    assert (await client.get(url, headers=auth("not-a-token"))).status == 401
    read_only = await client.post(EVENTS, json=WORKSHOP, headers=auth(tokens["read"]))
    assert read_only.status == 403
    assert (await read_only.json())["error"] == "This action is outside the authorized scopes"
    assert (await client.get(url, headers=auth(tokens["statuses"]))).status == 403
    calls = (("GET", url), ("PATCH", url), ("POST", url + "/cancel"),
             ("GET", url + "/occurrences"), ("GET", url + "/participants"))  # fmt: skip
    for method, path in calls:
        answer = await client.request(method, path, json={}, headers=auth(tokens["other"]))
        assert answer.status == 404 and (await answer.json()) == {"error": "Record not found"}
    assert await (await client.get(EVENTS, headers=auth(tokens["other"]))).json() == []
    assert (await client.get(f"{EVENTS}/99999", headers=auth(tokens["read"]))).status == 404
    assert await count(db, Event) == 1
