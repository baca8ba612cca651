"""Timelines: the network's public posts and the coop's home, with Link-header keyset paging."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import update

from hub import posts
from hub.config import Settings
from hub.posts import Draft, MentionTarget
from hub.store.db import Database
from hub.store.models import LocalActor, Post, Visibility
from hub.store.types import utcnow
from hub.uris import Uris
from tests.apikit import person_with_coop, token_for
from tests.helpers import make_coop
from web import pagecache


async def post(client: Any, token: str, text: str, visibility: str = "public") -> str:
    response = await client.post(
        "/api/v1/statuses",
        json={"status": text, "visibility": visibility},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 200
    return str((await response.json())["id"])


def contents(page: list[dict[str, Any]]) -> list[str]:
    return [status["content"] for status in page]


async def test_public_timeline_shows_public_posts_of_every_coop_newest_first(
    client: Any, db: Database, settings: Settings
) -> None:
    mia, fairbnb = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    ela, smart = await person_with_coop(db, settings, "ela@smart.example", "smart")
    first, second = (
        await token_for(db, mia, fairbnb, "write"),
        await token_for(db, ela, smart, "write"),
    )
    await post(client, first, "Eins")
    await post(client, second, "Zwei")
    await post(client, first, "Leise", "unlisted")
    await post(client, second, "Privat", "private")
    await post(client, first, "Drei")
    page = await (await client.get("/api/v1/timelines/public", params={"local": "true"})).json()
    assert contents(page) == ["<p>Drei</p>", "<p>Zwei</p>", "<p>Eins</p>"]
    assert {status["account"]["acct"] for status in page} == {"fairbnb", "smart"}
    remote = await client.get("/api/v1/timelines/public", params={"remote": "true"})
    assert await remote.json() == []


async def test_public_timeline_pages_by_keyset_with_link_header(
    client: Any, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    token = await token_for(db, person, coop, "write")
    ids = [await post(client, token, f"Post {n}") for n in range(5)]
    first = await client.get("/api/v1/timelines/public", params={"limit": "2"})
    assert [s["id"] for s in await first.json()] == [ids[4], ids[3]]
    link = first.headers["Link"]
    assert f"max_id={ids[3]}" in link and f"min_id={ids[4]}" in link and "limit=2" in link
    older = await client.get("/api/v1/timelines/public", params={"limit": "2", "max_id": ids[3]})
    assert [s["id"] for s in await older.json()] == [ids[2], ids[1]]
    newer = await client.get("/api/v1/timelines/public", params={"limit": "2", "min_id": ids[1]})
    assert [s["id"] for s in await newer.json()] == [ids[3], ids[2]]
    since = await client.get("/api/v1/timelines/public", params={"since_id": ids[2]})
    assert [s["id"] for s in await since.json()] == [ids[4], ids[3]]
    empty = await client.get("/api/v1/timelines/public", params={"max_id": ids[0]})
    assert await empty.json() == [] and "Link" not in empty.headers


async def test_home_timeline_needs_a_token_and_shows_the_coops_own_posts(
    client: Any, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    token = await token_for(db, person, coop, "read write")
    await post(client, token, "Öffentlich")
    await post(client, token, "Nur Folgende", "private")
    assert (await client.get("/api/v1/timelines/home")).status == 401
    home = await client.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {token}"})
    assert contents(await home.json()) == ["<p>Nur Folgende</p>", "<p>Öffentlich</p>"]
    writer = await token_for(db, person, coop, "write")
    denied = await client.get(
        "/api/v1/timelines/home", headers={"Authorization": f"Bearer {writer}"}
    )
    assert denied.status == 403


async def publish(
    db: Database, settings: Settings, coop: LocalActor, text: str, visibility: str, *to: str
) -> int:
    """Publish a post directly, mentioning our own coops by username."""
    uris = Uris(settings)
    mentions = tuple(MentionTarget(f"{name}@hub.test", uris.actor(name), None) for name in to)
    draft = Draft(text, Visibility(visibility), mentions=mentions)
    async with db.begin() as session:
        return (await posts.publish(session, uris, coop, draft)).id


async def test_home_timeline_holds_the_network_and_mentions_with_mastodons_visibility(
    client: Any, db: Database, settings: Settings
) -> None:
    person, fairbnb = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    smart = await make_coop(db, settings, "smart")
    quiet = await make_coop(db, settings, "quiet")
    await publish(db, settings, smart, "Öffentlich", "public")
    await publish(db, settings, fairbnb, "Eigene Direktnachricht", "direct")
    await publish(db, settings, smart, "Leise", "unlisted")
    await publish(db, settings, smart, "Nur für Folgende", "private")
    await publish(db, settings, smart, "Direkt an andere", "direct", "quiet")
    await publish(db, settings, smart, "Hallo @fairbnb@hub.test privat", "private", "fairbnb")
    await publish(db, settings, smart, "Hallo @fairbnb@hub.test direkt", "direct", "fairbnb")
    await publish(db, settings, quiet, "Begrenzt", "public")
    await publish(db, settings, fairbnb, "Eigenes", "private")
    async with db.begin() as session:
        await session.execute(
            update(LocalActor).where(LocalActor.id == quiet.id).values(limited_at=utcnow())
        )
    auth = {"Authorization": f"Bearer {await token_for(db, person, fairbnb, 'read')}"}
    home = await client.get("/api/v1/timelines/home", headers=auth)
    page = await home.json()
    assert [re.sub("<[^>]+>", "", status["content"]) for status in page] == [
        "Eigenes",
        "Hallo @fairbnb direkt",
        "Hallo @fairbnb privat",
        "Leise",
        "Eigene Direktnachricht",
        "Öffentlich",
    ]
    assert [status["visibility"] for status in page] == [
        "private", "direct", "private", "unlisted", "direct", "public"
    ]  # fmt: skip
    assert page[1]["account"]["acct"] == "smart"
    ids = [status["id"] for status in page]
    first = await client.get("/api/v1/timelines/home", headers=auth, params={"limit": "2"})
    assert [s["id"] for s in await first.json()] == ids[:2]
    assert f"max_id={ids[1]}" in first.headers["Link"]
    older = await client.get(
        "/api/v1/timelines/home", headers=auth, params={"limit": "3", "max_id": ids[1]}
    )
    assert [s["id"] for s in await older.json()] == ids[2:5]
    newer = await client.get("/api/v1/timelines/home", headers=auth, params={"min_id": ids[3]})
    assert [s["id"] for s in await newer.json()] == ids[:3]


async def test_home_timeline_leaves_out_deleted_posts_and_suspended_coops(
    client: Any, db: Database, settings: Settings
) -> None:
    person, fairbnb = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    smart = await make_coop(db, settings, "smart")
    gone = await make_coop(db, settings, "gone")
    kept = await publish(db, settings, smart, "Bleibt", "public")
    dropped = await publish(db, settings, smart, "Gelöscht", "public")
    await publish(db, settings, gone, "Weg", "public")
    async with db.begin() as session:
        await session.execute(update(Post).where(Post.id == dropped).values(deleted_at=utcnow()))
        await session.execute(
            update(LocalActor).where(LocalActor.id == gone.id).values(deleted_at=utcnow())
        )
    auth = {"Authorization": f"Bearer {await token_for(db, person, fairbnb, 'read')}"}
    page = await (await client.get("/api/v1/timelines/home", headers=auth)).json()
    assert [status["id"] for status in page] == [str(kept)]


async def test_cached_pages_show_an_apps_own_writes_at_once_and_others_within_the_ttl(
    client: Any, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagecache, "FRESH_TTL", 0.5)
    person, fairbnb = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    smart = await make_coop(db, settings, "smart")
    token = await token_for(db, person, fairbnb, "read write")
    auth = {"Authorization": f"Bearer {token}"}

    async def newest(path: str) -> list[str]:
        page = await (await client.get(path, headers=auth)).json()
        return [re.sub("<[^>]+>", "", status["content"]) for status in page]

    assert await newest("/api/v1/timelines/home") == []
    await post(client, token, "Über die App")
    assert await newest("/api/v1/timelines/home") == ["Über die App"]
    assert await newest("/api/v1/timelines/public") == ["Über die App"]
    await publish(db, settings, smart, "Von anderswo", "public")  # not through this app
    assert await newest("/api/v1/timelines/home") == ["Über die App"]
    await asyncio.sleep(0.6)
    assert await newest("/api/v1/timelines/home") == ["Von anderswo", "Über die App"]
    assert await newest("/api/v1/timelines/public") == ["Von anderswo", "Über die App"]


async def test_a_cached_page_keeps_each_requests_own_link_parameters(
    client: Any, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    token = await token_for(db, person, coop, "write")
    ids = [await post(client, token, f"Post {n}") for n in range(3)]
    for marker in ("a", "b"):
        params = {"limit": "2", "n": marker}
        page = await client.get("/api/v1/timelines/public", params=params)
        assert [s["id"] for s in await page.json()] == [ids[2], ids[1]]
        assert f"n={marker}" in page.headers["Link"] and f"max_id={ids[1]}" in page.headers["Link"]
