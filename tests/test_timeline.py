"""The network timeline: newest first, keyset pages, content warnings, replies, escaping."""

from __future__ import annotations

import re
from typing import Any

from hub import statuses
from hub.moderation import coops as moderation_coops
from hub.store.db import Database
from hub.store.models import RemoteNote, Visibility
from hub.timeline import Cursor, network_page
from tests.helpers import BROWSER_ACCEPT, make_coop
from tests.timeline_data import make_post, make_reply


async def test_timeline_shows_public_posts_of_all_coops_newest_first(
    client: Any, db: Database, settings: Any
) -> None:
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    poly = await make_coop(db, settings, "polypoly", name="polypoly")
    await make_post(db, settings, fair, "Erster Beitrag", minute=1)
    await make_post(db, settings, poly, "Zweiter Beitrag", minute=2)
    await make_post(db, settings, fair, "Nur für Follower", minute=3, visibility=Visibility.private)
    await make_post(db, settings, fair, "Nicht gelistet", minute=4, visibility=Visibility.unlisted)
    html = await (await client.get("/", headers=BROWSER_ACCEPT)).text()
    assert html.index("Zweiter Beitrag") < html.index("Erster Beitrag")
    assert "Nur für Follower" not in html and "Nicht gelistet" not in html
    assert 'href="http://hub.test/users/polypoly">polypoly</a>' in html


async def test_pages_follow_the_published_id_keyset_without_gaps_or_repeats(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    for number in range(25):  # pairs share a minute, so the id breaks the tie
        await make_post(db, settings, coop, f"Beitrag Nummer {number:02d}", minute=number // 2)
    first = await (await client.get("/", headers=BROWSER_ACCEPT)).text()
    seen = re.findall(r"Beitrag Nummer (\d\d)", first)
    assert seen == [f"{n:02d}" for n in range(24, 4, -1)]
    next_href = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert next_href is not None and "before=" in next_href.group(1)
    second = await client.get(next_href.group(1).replace("&amp;", "&"), headers=BROWSER_ACCEPT)
    rest = re.findall(r"Beitrag Nummer (\d\d)", await second.text())
    assert rest == ["04", "03", "02", "01", "00"]
    assert 'rel="next"' not in await second.text()


async def test_cursor_round_trips_through_its_url_form(db: Database, settings: Any) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    for number in range(3):
        await make_post(db, settings, coop, f"Text {number}", minute=number)
    async with db.read() as session:
        first = await network_page(session, size=2)
        assert first.next_cursor is not None
        cursor = Cursor.parse(first.next_cursor.encode())
        assert cursor == first.next_cursor
        rest = await network_page(session, cursor, size=2)
    assert [entry.post.content_html for entry in rest.entries] == ["<p>Text 0</p>"]
    assert rest.next_cursor is None


async def test_malformed_cursor_is_a_400_with_one_line(client: Any) -> None:
    response = await client.get("/?before=drop-table", headers=BROWSER_ACCEPT)
    assert response.status == 400
    assert "Seitenlink ist kaputt" in await response.text()


async def test_content_warning_is_collapsed_and_replies_are_counted(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    post = await make_post(db, settings, coop, "Die Zahlen des Quartals", summary="Finanzen")
    await make_reply(db, post, "alice", "<p>Danke!</p>")
    await make_reply(db, post, "bob", "<p>Super</p>")
    await make_reply(db, post, "eve", "<p>weg</p>", visibility=Visibility.direct)
    html = await (await client.get("/", headers=BROWSER_ACCEPT)).text()
    assert re.search(r"<details class=\"cw\">\s*<summary>Inhaltswarnung: Finanzen</summary>", html)
    assert "2 Antworten" in html


async def test_post_page_lists_fediverse_replies_with_media_as_links_only(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    post = await make_post(db, settings, coop, "Wer kommt zum Call?")
    picture = {"type": "Image", "url": "https://media.remote.test/a.png", "name": "Ein Foto <b>"}
    await make_reply(db, post, "alice", "<p>Ich komme!</p>", attachments=[picture])
    response = await client.get(f"/users/fairbnb/statuses/{post.id}", headers=BROWSER_ACCEPT)
    html = await response.text()
    assert response.status == 200
    assert "1 Antwort aus dem Fediverse" in html and "<p>Ich komme!</p>" in html
    assert 'href="https://media.remote.test/a.png"' in html and "Ein Foto &lt;b&gt;" in html
    assert "<img" not in html.split('id="replies"')[1]  # remote media is never hot-linked


async def test_coop_names_and_warnings_are_escaped(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "evil", name="<script>alert(1)</script>")
    await make_post(db, settings, coop, "Hallo", summary="<img src=x onerror=alert(1)>")
    html = await (await client.get("/", headers=BROWSER_ACCEPT)).text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


async def test_profile_page_shows_only_that_coops_posts_and_its_directory_facts(
    client: Any, db: Database, settings: Any
) -> None:
    fair = await make_coop(db, settings, "fairbnb", sector="Tourismus", region="Bologna")
    poly = await make_coop(db, settings, "polypoly")
    await make_post(db, settings, fair, "Von Fairbnb")
    await make_post(db, settings, poly, "Von polypoly")
    response = await client.get("/users/fairbnb", headers=BROWSER_ACCEPT)
    html = await response.text()
    assert "Von Fairbnb" in html and "Von polypoly" not in html
    assert "<dt>Branche</dt><dd>Tourismus</dd>" in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


async def test_a_limited_coop_and_held_or_limited_replies_stay_off_the_timeline(
    client: Any, db: Database, settings: Any
) -> None:
    fairbnb = await make_coop(db, settings, "fairbnb")
    loud = await make_coop(db, settings, "loud")
    post = await make_post(db, settings, fairbnb, "Offenes Treffen am Freitag")
    await make_post(db, settings, loud, "Kauft alle bei uns", minute=1)
    await make_reply(db, post, "alice", "<p>Gern!</p>")
    held = await make_reply(db, post, "mallory", "<p>Spam wartet</p>")
    limited = await make_reply(db, post, "trudy", "<p>Spam begrenzt</p>")
    async with db.begin() as session:
        await moderation_coops.limit(session, "loud", "ela@coop.example")
        (await session.get(RemoteNote, held.id)).state = "held"  # type: ignore[union-attr]
        (await session.get(RemoteNote, limited.id)).limited = True  # type: ignore[union-attr]
    async with db.read() as session:
        page = await network_page(session)
        api = await statuses.public_timeline(session, statuses.Cursor())
    assert [entry.post.id for entry in page.entries] == [post.id] == [p.id for p, _, _ in api]
    assert page.entries[0].replies == 1 == api[0][2].replies
    html = await (
        await client.get(f"/users/fairbnb/statuses/{post.id}", headers=BROWSER_ACCEPT)
    ).text()
    assert "<p>Gern!</p>" in html and "Spam" not in html
