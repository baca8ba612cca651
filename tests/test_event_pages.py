"""Event URLs: Event JSON by negotiation (golden), the HTML page, iCalendar parsed back."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiohttp.test_utils import TestClient

from hub.actors.local import get_coop
from hub.events import service
from hub.store.db import Database
from hub.uris import Uris
from tests.events_data import CALL, WORKSHOP, add_event, events_of
from tests.golden import assert_golden
from tests.helpers import AP_ACCEPT, BROWSER_ACCEPT, make_coop

Client = TestClient[Any, Any]
BERLIN = ZoneInfo("Europe/Berlin")
SERIES = dataclasses.replace(
    CALL, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", exdates=("2030-12-20T14:00",)
)
NOW = datetime(2030, 12, 1, tzinfo=BERLIN)


@pytest.fixture
async def coop(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


@pytest.mark.usefixtures("coop")
async def test_the_event_url_answers_an_event_document_for_every_reader(
    client: Client, db: Database, settings: Any
) -> None:
    event = await add_event(db, settings, WORKSHOP)
    url = f"/users/fairbnb/events/{event.id}"
    response = await client.get(url, headers=AP_ACCEPT)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/activity+json")
    document = await response.json()
    assert document["id"] == f"http://hub.test{url}"
    assert document["summary"] == (
        "Freitag, 6. Dezember 2030, 14:00–15:30 Uhr (Europe/Berlin) · "
        "Ort: Nachbarschaftshaus, Hauptstraße 1, 10827 Berlin · "
        f"Anmeldung mit Bestätigung: http://hub.test{url} (höchstens 50 Plätze)"
    )
    assert_golden("event_workshop", document)


@pytest.mark.usefixtures("coop")
async def test_an_online_event_says_online_and_keeps_the_meeting_link_private(
    client: Client, db: Database, settings: Any
) -> None:
    event = await add_event(db, settings, CALL)
    response = await client.get(f"/users/fairbnb/events/{event.id}", headers=AP_ACCEPT)
    body = await response.text()
    document = json.loads(body)
    assert " · Online · " in document["summary"]
    assert document["isOnline"] is True
    assert document["location"] == {
        "type": "VirtualLocation",
        "name": "Online (Link nach der Anmeldung)",
    }
    page = await client.get(f"/users/fairbnb/events/{event.id}", headers=BROWSER_ACCEPT)
    ics = await client.get(f"/users/fairbnb/events/{event.id}.ics")
    for text in (body, await page.text(), await ics.text()):
        assert "meet.example.org" not in text
    assert "Link zum Online-Treffen bekommst du nach der Anmeldung" in await page.text()
    assert document["joinMode"] == "free" and document["maximumAttendeeCapacity"] == 50


@pytest.mark.usefixtures("coop")
async def test_browsers_get_a_german_page_with_opengraph_tags(
    client: Client, db: Database, settings: Any
) -> None:
    event = await add_event(db, settings, WORKSHOP)
    response = await client.get(f"/users/fairbnb/events/{event.id}", headers=BROWSER_ACCEPT)
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
    html = await response.text()
    assert '<meta property="og:title" content="Workshop: Genossenschaft gründen">' in html
    assert re.search(r'<meta property="og:description" content="Freitag, 6\. Dezember 2030', html)
    assert (
        f'<meta property="og:url" content="http://hub.test/users/fairbnb/events/{event.id}">'
        in html
    )
    assert '<meta property="og:image:alt" content="Menschen sitzen im Kreis und planen">' in html
    assert "Anmeldung mit Bestätigung" in html and "webcal://hub.test/users/fairbnb/events/" in html


@pytest.mark.usefixtures("coop")
async def test_unknown_and_deleted_events_answer_404_and_410(
    client: Client, db: Database, settings: Any
) -> None:
    event = await add_event(db, settings, CALL)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.delete_event(session, Uris(settings), coop, event.id)
    assert (await client.get("/users/fairbnb/events/999", headers=AP_ACCEPT)).status == 404
    gone = await client.get(f"/users/fairbnb/events/{event.id}", headers=AP_ACCEPT)
    assert gone.status == 410 and "error" in await gone.json()
    assert (await client.get(f"/users/nobody/events/{event.id}")).status == 404


@pytest.mark.usefixtures("coop")
async def test_a_series_url_lists_its_dates_and_each_date_links_back(
    client: Client, db: Database, settings: Any
) -> None:
    series = await add_event(db, settings, SERIES, now=NOW)
    document = await (
        await client.get(f"/users/fairbnb/events/{series.id}", headers=AP_ACCEPT)
    ).json()
    assert document["type"] == "OrderedCollection" and document["totalItems"] >= 5
    path = document["orderedItems"][0].removeprefix("http://hub.test")
    first = await (await client.get(path, headers=AP_ACCEPT)).json()
    assert first["type"] == "Event" and first["context"] == document["id"]
    html = await (await client.get(path, headers=BROWSER_ACCEPT)).text()
    assert "Veranstaltungsreihe" in html


@pytest.mark.usefixtures("coop")
async def test_a_series_calendar_has_rrule_exdate_vtimezone_and_changed_dates(
    client: Client, db: Database, settings: Any
) -> None:
    series = await add_event(db, settings, SERIES, now=NOW)
    first = next(e for e in await events_of(db) if e.series_id)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await service.cancel_event(session, Uris(settings), coop, first.id)
    response = await client.get(f"/users/fairbnb/events/{series.id}.ics")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(await response.read())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    master, changed = cal.walk("VEVENT")
    assert master["UID"] == f"http://hub.test/users/fairbnb/events/{series.id}"
    start = master.decoded("DTSTART")
    assert (
        start == datetime(2030, 12, 6, 14, 0, tzinfo=BERLIN) and start.tzinfo.key == "Europe/Berlin"
    )
    assert master["RRULE"] == {"FREQ": ["WEEKLY"], "INTERVAL": [2], "BYDAY": ["FR"]}
    assert master["EXDATE"].dts[0].dt == datetime(2030, 12, 20, 14, 0, tzinfo=BERLIN)
    assert changed["UID"] == master["UID"] and changed["STATUS"] == "CANCELLED"
    assert changed.decoded("RECURRENCE-ID") == datetime(2030, 12, 6, 14, 0, tzinfo=BERLIN)


@pytest.mark.usefixtures("coop")
async def test_coop_and_network_calendars_hold_every_event(
    client: Client, db: Database, settings: Any
) -> None:
    await make_coop(db, settings, "smart", name="Smart Coop")
    await add_event(db, settings, WORKSHOP)
    await add_event(db, settings, CALL, username="smart")
    await add_event(db, settings, SERIES, now=NOW)
    coop_cal = icalendar.Calendar.from_ical(
        await (await client.get("/users/fairbnb/events.ics")).read()
    )
    network = icalendar.Calendar.from_ical(await (await client.get("/events.ics")).read())
    assert len(coop_cal.walk("VEVENT")) == 2 and len(network.walk("VEVENT")) == 3
    assert str(network["X-WR-CALNAME"]) == "Platform Coops Netzwerk"
    workshop = next(e for e in coop_cal.walk("VEVENT") if "Workshop" in str(e["SUMMARY"]))
    assert workshop.decoded("DTSTART") == datetime(2030, 12, 6, 14, 0, tzinfo=BERLIN)
    assert workshop.decoded("DTEND") == datetime(2030, 12, 6, 15, 30, tzinfo=BERLIN)
    assert str(workshop["LOCATION"]) == "Nachbarschaftshaus, Hauptstraße 1, 10827 Berlin"
    assert (workshop["GEO"].latitude, workshop["GEO"].longitude) == (52.4862, 13.3542)
    assert (await client.get("/users/nobody/events.ics")).status == 404
    first = await client.get("/events.ics")
    again = await client.get("/events.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and await again.read() == b""


@pytest.mark.usefixtures("coop")
async def test_the_upcoming_page_lists_dates_soonest_first_with_a_webcal_link(
    client: Client, db: Database, settings: Any
) -> None:
    await add_event(db, settings, WORKSHOP, start="2030-12-13T10:00", end="2030-12-13T12:00",
                    registration_deadline=None)  # fmt: skip
    await add_event(db, settings, CALL)
    html = await (await client.get("/events", headers=BROWSER_ACCEPT)).text()
    assert html.index("Offener Community-Call") < html.index("Workshop: Genossenschaft gründen")
    assert "webcal://hub.test/events.ics" in html
    assert "Freitag, 13. Dezember 2030, 10:00–12:00 Uhr (Europe/Berlin)" in html


@pytest.mark.usefixtures("coop")
async def test_the_event_page_follows_the_visitors_language_and_the_json_stays_german(
    client: Client, db: Database, settings: Any
) -> None:
    event = await add_event(db, settings, WORKSHOP)
    url = f"/users/fairbnb/events/{event.id}"
    english = await (await client.get(url + "?lang=en", headers=BROWSER_ACCEPT)).text()
    assert (
        '<html lang="en">' in english and '<meta property="og:locale" content="en_US">' in english
    )
    assert re.search(r'og:description" content="Friday, December 6, 2030, 2:00\sPM', english)
    assert "Place: Nachbarschaftshaus, Hauptstraße 1, 10827 Berlin" in english
    assert (
        "Registration with confirmation: http://hub.test" in english
        and "(at most 50 places)" in english
    )
    assert "Hosted by" in english and "Freitag" not in english and "Anmeldung" not in english
    assert "<dd>Workshops &amp; skill sharing</dd>" in english
    german = await (await client.get(url + "?lang=de", headers=BROWSER_ACCEPT)).text()
    assert "Freitag, 6. Dezember 2030, 14:00–15:30 Uhr (Europe/Berlin)" in german
    assert "Veranstaltet von" in german and "(höchstens 50 Plätze)" in german
    assert "<dd>Workshops &amp; Wissensaustausch</dd>" in german
    document = await (await client.get(url + "?lang=en", headers=AP_ACCEPT)).json()
    assert document["summary"].startswith("Freitag, 6. Dezember 2030")


@pytest.mark.usefixtures("coop")
async def test_the_upcoming_page_and_a_missing_event_speak_english_when_asked(
    client: Client, db: Database, settings: Any
) -> None:
    await add_event(db, settings, CALL)
    english = {**BROWSER_ACCEPT, "Accept-Language": "en"}
    html = await (await client.get("/events", headers=english)).text()
    assert "Upcoming events" in html and "subscribe (webcal)" in html and "Friday" in html
    missing = await client.get("/users/fairbnb/events/999", headers=english)
    assert missing.status == 404 and "There is no such event." in await missing.text()
    german = await client.get("/users/fairbnb/events/999", headers=BROWSER_ACCEPT)
    assert "Diese Veranstaltung gibt es nicht." in await german.text()
