"""RSS and Atom feeds of the network and of each coop, read back with feedparser."""

from __future__ import annotations

from typing import Any

import feedparser

from hub.store.db import Database
from hub.store.models import Visibility
from tests.helpers import BROWSER_ACCEPT, make_coop
from tests.timeline_data import make_post
from web.keys import CACHE


async def _feed(client: Any, path: str) -> tuple[Any, Any]:
    response = await client.get(path)
    assert response.status == 200
    return response, feedparser.parse(await response.read())


async def test_network_feeds_parse_and_list_public_posts_newest_first(
    client: Any, db: Database, settings: Any
) -> None:
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    poly = await make_coop(db, settings, "polypoly", name="polypoly")
    first = await make_post(db, settings, fair, "Wir suchen Gastgeber*innen in Bologna", minute=1)
    await make_post(db, settings, poly, "Daten gehören den Menschen", minute=2)
    await make_post(db, settings, poly, "Nur intern", minute=3, visibility=Visibility.private)
    for kind, content_type, version in (
        ("rss", "application/rss+xml", "rss20"),
        ("atom", "application/atom+xml", "atom10"),
    ):
        response, feed = await _feed(client, f"/feed.{kind}")
        assert response.headers["Content-Type"].startswith(content_type)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == version
        titles = [entry.title for entry in feed.entries]
        assert titles == [
            "polypoly: Daten gehören den Menschen",
            "Fairbnb: Wir suchen Gastgeber*innen in Bologna",
        ]
        assert feed.entries[1].link == f"http://hub.test/users/fairbnb/statuses/{first.id}"
        assert "Wir suchen" in feed.entries[1].summary


async def test_coop_feed_holds_only_that_coop_and_unknown_coops_are_404(
    client: Any, db: Database, settings: Any
) -> None:
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    poly = await make_coop(db, settings, "polypoly", name="polypoly")
    await make_post(db, settings, fair, "Von Fairbnb")
    await make_post(db, settings, poly, "Von polypoly")
    _, feed = await _feed(client, "/users/fairbnb/feed.atom")
    assert feed.feed.title == "Fairbnb"
    assert [entry.title for entry in feed.entries] == ["Fairbnb: Von Fairbnb"]
    missing = await client.get("/users/nobody/feed.rss")
    assert missing.status == 404


async def test_pages_advertise_their_feeds_in_the_head(
    client: Any, db: Database, settings: Any
) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb")
    start = await (await client.get("/", headers=BROWSER_ACCEPT)).text()
    head = start.split("</head>")[0]
    assert 'rel="alternate" type="application/rss+xml"' in head
    assert 'href="http://hub.test/feed.atom"' in head
    profile = await (await client.get("/users/fairbnb", headers=BROWSER_ACCEPT)).text()
    assert 'href="http://hub.test/users/fairbnb/feed.rss"' in profile.split("</head>")[0]


async def test_content_warning_goes_into_the_entry_title(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    await make_post(db, settings, coop, "Details zum Streit", summary="Konflikt")
    _, feed = await _feed(client, "/feed.rss?lang=en")
    assert feed.entries[0].title == "Fairbnb: Content warning: Konflikt"
    assert feed.feed.language == "en"


async def test_feeds_are_rendered_once_per_cache_period_and_language(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    await make_post(db, settings, coop, "Erster", minute=1)
    first = await (await client.get("/feed.atom")).read()
    await make_post(db, settings, coop, "Zweiter", minute=2)
    assert await (await client.get("/feed.atom")).read() == first  # readers poll; 30 s cache
    english = feedparser.parse(await (await client.get("/feed.atom?lang=en")).read())
    assert [entry.title for entry in english.entries] == ["Fairbnb: Zweiter", "Fairbnb: Erster"]
    client.server.app[CACHE].clear()
    fresh = feedparser.parse(await (await client.get("/feed.atom")).read())
    assert len(fresh.entries) == 2
