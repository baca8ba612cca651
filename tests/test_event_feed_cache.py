"""Feeds and the upcoming page are rendered once per change: ETag, 304, new ETag on a change."""

from __future__ import annotations

import asyncio
import gzip
from datetime import timedelta
from typing import Any

import icalendar
from sqlalchemy import update

from hub.actors.local import get_coop
from hub.config import Settings
from hub.events import service
from hub.store.db import Database
from hub.store.models import Event
from hub.store.types import utcnow
from hub.uris import Uris
from tests.events_data import CALL, WORKSHOP, add_event
from tests.helpers import make_coop

FEEDS = ("/events.ics", "/users/fairbnb/events.ics")
HTML = {"Accept": "text/html"}


async def etags(client: Any) -> list[str]:
    """The ETag of each feed, after checking that it answers 304 to itself."""
    found = []
    for path in FEEDS:
        answer = await client.get(path)
        assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/calendar")
        etag = answer.headers["ETag"]
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status == 304 and await again.read() == b"" and again.headers["ETag"] == etag
        found.append(etag)
    return found


async def titles(client: Any) -> list[str]:
    feed = icalendar.Calendar.from_ical(await (await client.get("/events.ics")).read())
    return sorted(str(event["SUMMARY"]) for event in feed.walk("VEVENT"))


async def test_an_unchanged_feed_keeps_its_etag_and_answers_304(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    await add_event(db, settings, CALL)
    first = await etags(client)
    assert await etags(client) == first
    stale = await client.get("/events.ics", headers={"If-None-Match": '"something-else"'})
    assert stale.status == 200 and stale.headers["ETag"] == first[0]


async def test_every_kind_of_change_gives_a_new_etag_and_the_new_feed(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    call = await add_event(db, settings, CALL)
    seen = [await etags(client)]
    await add_event(db, settings, WORKSHOP)  # a new event
    seen.append(await etags(client))
    assert await titles(client) == ["Offener Community-Call", "Workshop: Genossenschaft gründen"]
    async with db.begin() as session:  # cancelled through the service
        await service.cancel_event(session, Uris(settings), await get_coop(session, "fairbnb"),
                                   call.id)  # fmt: skip
    seen.append(await etags(client))
    async with db.begin() as session:  # changed by another process (the CLI): same database
        await session.execute(
            update(Event).where(Event.id == call.id).values(title="Neu", updated_at=utcnow())
        )
    seen.append(await etags(client))
    assert "Neu" in await titles(client)
    async with db.begin() as session:  # deleted
        await service.delete_event(session, Uris(settings), await get_coop(session, "fairbnb"),
                                   call.id)  # fmt: skip
    seen.append(await etags(client))
    assert await titles(client) == ["Workshop: Genossenschaft gründen"]
    assert len({network for network, _ in seen}) == len(seen)
    assert len({coop for _, coop in seen}) == len(seen)


async def test_calendar_apps_get_the_feed_gzipped_with_its_own_etag(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    await add_event(db, settings, CALL)
    packed = await client.get("/events.ics", headers={"Accept-Encoding": "gzip"},
                              auto_decompress=False)  # fmt: skip
    raw = await packed.read()
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    plain = await client.get("/events.ics", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(raw) == await plain.read()
    assert packed.headers["ETag"] != plain.headers["ETag"]
    for etag in (packed.headers["ETag"], plain.headers["ETag"]):
        again = await client.get("/events.ics", headers={"If-None-Match": etag})
        assert again.status == 304


async def test_the_upcoming_page_follows_changes_and_drops_a_date_once_it_is_over(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    await add_event(db, settings, CALL)
    page = await (await client.get("/events", headers=HTML)).text()
    assert "Offener Community-Call" in page and "Workshop" not in page
    soon = await add_event(db, settings, WORKSHOP)
    async with db.begin() as session:  # a date that ends in a moment, soonest of all
        ends = utcnow() + timedelta(seconds=1)
        await session.execute(
            update(Event).where(Event.id == soon.id)
            .values(starts_at=ends - timedelta(hours=1), ends_at=ends, updated_at=utcnow())
        )  # fmt: skip
    assert "Workshop" in await (await client.get("/events", headers=HTML)).text()
    await asyncio.sleep(1.5)
    page = await (await client.get("/events", headers=HTML)).text()
    assert "Workshop" not in page and "Offener Community-Call" in page
