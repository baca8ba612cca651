"""Remote member coops on the web timeline and in its feeds, mixed with local posts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import feedparser
from sqlalchemy import select

from hub.federation import Federation
from hub.moderation.accounts import moderate_actor
from hub.moderation.domains import BlockDraft, block_domain
from hub.store.db import Database
from hub.store.models import RemoteActor, RemoteNote, Visibility
from hub.timeline import Cursor, count_newer, network_page, newest_cursor
from tests import netkit
from tests.fakeremote import FakeRemote
from tests.helpers import BROWSER_ACCEPT, make_coop
from tests.inboxkit import deliver, run
from tests.netkit import (
    SHARED_INBOX,
    add_member,
    handle_of,
    member_note,
    remove_member,
)
from tests.timeline_data import START, make_post

# The shared fixtures of the network tests (their own servers and settings).
announce_create = netkit.announce_create
member = netkit.member
settings = netkit.settings
stranger = netkit.stranger

PHOTO = "https://member.test/media/kiez.jpg"


async def _send(client: Any, federation: Federation, remote: FakeRemote, create: Any) -> None:
    assert (await deliver(client, remote, "coop", create, url=SHARED_INBOX)).status == 202
    await run(federation)


async def _member_posts(client: Any, federation: Federation, member: FakeRemote) -> str:
    """Add the member; it sends a post with a photo and one behind a content warning."""
    await add_member(federation, handle_of(member))
    await run(federation)
    photo = {"type": "Document", "mediaType": "image/jpeg", "url": PHOTO, "name": "Kiezfest"}
    create = member_note(
        member, "coop", 1, content="<p>Kiezfest am Samstag!</p>", attachment=[photo],
        published="2026-05-01T10:00:00Z", url=f"{member.base}/@coop/1",
    )  # fmt: skip
    await _send(client, federation, member, create)
    warned = member_note(
        member, "coop", 2, content="<p>Streit im Vorstand</p>", summary="Konflikt",
        published="2026-05-01T11:00:00Z",
    )  # fmt: skip
    await _send(client, federation, member, warned)
    return f"{member.base}/@coop/1"


async def _stranger_posts(client: Any, federation: Federation, stranger: FakeRemote) -> None:
    """A public note of a non-member that mentions the network (so the hub stores it)."""
    group = "http://hub.test/users/network"
    create = member_note(
        stranger, "coop", 1, content="<p>Fremder Beitrag</p>", cc=[group],
        tag=[{"type": "Mention", "href": group}], published="2026-05-01T12:00:00Z",
    )  # fmt: skip
    await _send(client, federation, stranger, create)


async def _timeline(client: Any, path: str = "/") -> str:
    response = await client.get(path, headers=BROWSER_ACCEPT)
    assert response.status == 200
    text: str = await response.text()
    return text


async def test_a_members_posts_are_on_the_timeline_and_a_strangers_never(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote,
    stranger: FakeRemote,
) -> None:  # fmt: skip
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    await make_post(db, settings, fair, "Lokaler Beitrag", minute=30)  # 09:30, older
    original = await _member_posts(client, federation, member)
    await _stranger_posts(client, federation, stranger)
    assert len(await netkit.stored_notes(db)) == 3  # the stranger's mention is stored
    html = await _timeline(client)
    assert "Fremder Beitrag" not in html
    assert html.index("Streit im Vorstand") < html.index("Kiezfest am Samstag")
    assert html.index("Kiezfest am Samstag") < html.index("Lokaler Beitrag")
    assert f'<a class="u-url" href="{original}" rel="nofollow ugc">' in html
    assert f"@coop@{member.name}:{member.port}" in html
    assert f'href="{PHOTO}" rel="nofollow noopener noreferrer ugc"' in html
    assert "Kiezfest</a>" in html.replace("\n", "").replace("  ", "")  # the alt text
    assert "<img" not in html  # remote media is never embedded
    warned = html[html.index("Konflikt") - 200 : html.index("Streit im Vorstand")]
    assert '<details class="cw">' in warned


async def test_the_feeds_hold_members_posts_and_never_a_strangers(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote,
    stranger: FakeRemote,
) -> None:  # fmt: skip
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    await make_post(db, settings, fair, "Lokaler Beitrag", minute=30)
    original = await _member_posts(client, federation, member)
    await _stranger_posts(client, federation, stranger)
    for kind in ("rss", "atom"):
        response = await client.get(f"/feed.{kind}?lang=en")
        feed = feedparser.parse(await response.read())
        assert not feed.bozo, feed.get("bozo_exception")
        assert [entry.title for entry in feed.entries] == [
            "Coop: Content warning: Konflikt",
            "Coop: Kiezfest am Samstag!",
            "Fairbnb: Lokaler Beitrag",
        ]
        assert feed.entries[1].link == original
        assert PHOTO in feed.entries[1].summary and "Kiezfest</a>" in feed.entries[1].summary
        assert all("Fremder" not in entry.summary for entry in feed.entries)


async def test_removing_a_member_hides_its_stored_notes(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote
) -> None:
    await _member_posts(client, federation, member)
    assert "Kiezfest am Samstag" in await _timeline(client)
    await remove_member(federation, handle_of(member))
    assert "Kiezfest am Samstag" not in await _timeline(client)
    feed = feedparser.parse(await (await client.get("/feed.atom?lang=de")).read())
    assert feed.entries == []
    assert len(await netkit.stored_notes(db)) == 2  # kept: they show again if re-added
    await add_member(federation, handle_of(member))
    assert "Kiezfest am Samstag" in await _timeline(client)


async def test_limited_suspended_and_blocked_members_stay_off(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote
) -> None:
    await _member_posts(client, federation, member)
    for action, undo in (("limit", "unlimit"), ("suspend", "unsuspend")):
        await _moderate(db, member, action)
        assert "Kiezfest am Samstag" not in await _timeline(client), action
        await _moderate(db, member, undo)
        assert "Kiezfest am Samstag" in await _timeline(client), undo
    async with db.begin() as session:
        await block_domain(session, BlockDraft(domain=member.name, severity="silence"), "mod")
    assert "Kiezfest am Samstag" not in await _timeline(client)
    async with db.read() as session:
        assert await newest_cursor(session) is None


async def _moderate(db: Database, member: FakeRemote, action: str) -> None:
    async with db.begin() as session:
        query = select(RemoteActor).where(RemoteActor.uri == member.actor("coop"))
        remote = (await session.execute(query)).scalar_one()
        await moderate_actor(session, remote, action, "mod")


async def test_pages_of_mixed_entries_hold_every_entry_exactly_once(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote
) -> None:
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    await add_member(federation, handle_of(member))
    newest_first: list[str] = []
    for number in range(12):  # every remote note shares its minute with a local post
        await make_post(db, settings, fair, f"Lokal {number:02d}", minute=number)
        await _remote_note(db, member, number, f"Fern {number:02d}", minute=number)
        # At the same instant a local post ranks above a remote note.
        newest_first[:0] = [f"Lokal {number:02d}", f"Fern {number:02d}"]
    await _remote_note(db, member, 99, "Fern privat", minute=5, visibility=Visibility.unlisted)
    for size in (1, 3, 5, 7):
        seen, cursor = [], None
        async with db.read() as session:
            while True:
                page = await network_page(session, cursor, size=size)
                seen += [_text(entry.post.content_html) for entry in page.entries]
                if page.next_cursor is None:
                    break
                cursor = Cursor.parse(page.next_cursor.encode())  # through its URL form
        assert seen == newest_first, size
    seen_on_web, path = [], "/"
    while path:
        html = await _timeline(client, path)
        seen_on_web += re.findall(r"(Lokal \d\d|Fern \d\d)", html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        path = found.group(1).replace("&amp;", "&") if found else ""
    assert seen_on_web == newest_first


async def test_live_counts_and_the_newest_entry_include_remote_members(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote
) -> None:
    fair = await make_coop(db, settings, "fairbnb", name="Fairbnb")
    post = await make_post(db, settings, fair, "Lokal", minute=1)
    await add_member(federation, handle_of(member))
    note = await _remote_note(db, member, 1, "Fern", minute=1)  # same instant: ranks below
    second = await _remote_note(db, member, 2, "Fern zwei", minute=2)
    async with db.read() as session:
        newest = await newest_cursor(session)
        assert newest == Cursor(second.published_at, second.id, True)
        assert await count_newer(session, Cursor(note.published_at, note.id, True)) == 2
        assert await count_newer(session, Cursor(post.published_at, post.id)) == 1
        assert await count_newer(session, newest) == 0
    html = await _timeline(client)
    assert f'data-stream="/timeline/stream?after={newest.encode()}"' in html
    assert newest.encode().split("-")[1] == f"r{second.id}"


async def test_replies_to_a_members_note_are_counted(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote
) -> None:
    await add_member(federation, handle_of(member))
    note = await _remote_note(db, member, 1, "Fern", minute=1)
    reply = await _remote_note(db, member, 2, "Antwort", minute=2)
    held = await _remote_note(db, member, 3, "Wartet", minute=3)
    async with db.begin() as session:
        for stored, state in ((reply, "shown"), (held, "held")):
            row = await session.get(RemoteNote, stored.id)
            assert row is not None
            row.in_reply_to_uri, row.state = note.uri, state
    async with db.read() as session:
        page = await network_page(session)
    counts = {_text(entry.post.content_html): entry.replies for entry in page.entries}
    assert counts == {"Antwort": 0, "Fern": 1}


async def _remote_note(
    db: Database, member: FakeRemote, number: int, text: str, *, minute: int,
    visibility: Visibility = Visibility.public,
) -> RemoteNote:  # fmt: skip
    """A note of the member coop as the inbox stores it (its actor is known by now)."""
    async with db.begin() as session:
        query = select(RemoteActor.id).where(RemoteActor.uri == member.actor("coop"))
        actor_id = (await session.execute(query)).scalar_one()
        uri = f"{member.actor('coop')}/statuses/{number}"
        note = RemoteNote(
            uri=uri, remote_actor_id=actor_id, content_html=f"<p>{text}</p>",
            visibility=visibility, published_at=START + timedelta(minutes=minute),
            ap_json={"id": uri, "url": uri, "type": "Note", "attachment": []},
        )  # fmt: skip
        session.add(note)
    return note


def _text(html: str) -> str:
    return html.removeprefix("<p>").removesuffix("</p>")


async def test_a_members_event_shows_its_name_and_start(
    client: Any, db: Database, settings: Any, federation: Federation, member: FakeRemote
) -> None:
    await add_member(federation, handle_of(member))
    await run(federation)
    event = member_note(
        member, "coop", 7, type="Event", name="Sommerfest <b>der Coop</b>",
        content="<p>Alle sind eingeladen.</p>", startTime="2026-07-04T16:00:00+02:00",
        published="2026-05-01T10:00:00Z",
    )  # fmt: skip
    await _send(client, federation, member, event)
    html = await _timeline(client, "/?lang=en")
    assert "<strong>Sommerfest der Coop</strong>" in html  # its name as plain text
    assert '<time class="dt-start" datetime="2026-07-04T14:00:00+00:00">' in html
    assert "Alle sind eingeladen." in html
