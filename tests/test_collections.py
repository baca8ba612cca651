"""Outbox, followers, following and featured: OrderedCollections with keyset paging."""

from __future__ import annotations

from typing import Any

import pytest

from hub.actors.local import get_coop
from hub.store.models import (
    Follow,
    FollowDirection,
    FollowState,
    Post,
    RemoteActor,
    Visibility,
)
from hub.store.types import utcnow
from tests.golden import assert_golden
from tests.helpers import AP_ACCEPT, make_coop

COLLECTIONS = ["followers", "following", "outbox", "featured"]


async def _follows(
    db: Any, username: str, count: int, direction: FollowDirection, **kw: Any
) -> None:
    async with db.begin() as session:
        coop = await get_coop(session, username)
        state = kw.get("state", FollowState.accepted)
        for n in range(count):
            host = f"social{n % 7}.test"
            uri = f"https://{host}/users/u{n}-{state.value}-{direction.value}"
            remote = RemoteActor(uri=uri, domain=host)
            session.add(remote)
            await session.flush()
            session.add(
                Follow(
                    local_actor_id=coop.id,
                    remote_actor_id=remote.id,
                    direction=direction,
                    state=state,
                )
            )


async def _posts(db: Any, username: str, count: int, **values: Any) -> None:
    async with db.begin() as session:
        coop = await get_coop(session, username)
        for n in range(count):
            session.add(
                Post(
                    local_actor_id=coop.id,
                    content_html=f"<p>Beitrag {n}</p>",
                    visibility=values.get("visibility", Visibility.public),
                    language="de",
                    pinned_at=values.get("pinned_at"),
                    deleted_at=values.get("deleted_at"),
                )
            )


async def _walk(client: Any, url: str) -> tuple[dict[str, Any], list[Any], list[str]]:
    """Fetch a collection and follow `first` and `next` to the end."""
    collection = await (await client.get(url, headers=AP_ACCEPT)).json(content_type=None)
    items: list[Any] = []
    pages: list[str] = []
    page_url: str | None = collection["first"]
    while page_url is not None:
        pages.append(page_url)
        response = await client.get(page_url.removeprefix("http://hub.test"), headers=AP_ACCEPT)
        assert response.status == 200
        page = await response.json(content_type=None)
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == collection["id"]
        items.extend(page["orderedItems"])
        page_url = page.get("next")
        assert len(pages) < 100, "paging does not end"
    return collection, items, pages


@pytest.mark.parametrize("name", COLLECTIONS)
async def test_empty_collections_have_zero_items_and_one_empty_page(
    client: Any, db: Any, settings: Any, name: str
) -> None:
    await make_coop(db, settings, "fairbnb")
    collection, items, pages = await _walk(client, f"/users/fairbnb/{name}")
    assert collection["type"] == "OrderedCollection"
    assert collection["id"] == f"http://hub.test/users/fairbnb/{name}"
    assert collection["totalItems"] == 0
    assert items == [] and len(pages) == 1


async def test_collection_and_page_match_golden(client: Any, db: Any, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb")
    await _posts(db, "fairbnb", 1)
    collection = await client.get("/users/fairbnb/outbox", headers=AP_ACCEPT)
    assert collection.headers["Content-Type"] == "application/activity+json"
    assert_golden("outbox_collection", await collection.json(content_type=None))
    page = await client.get("/users/fairbnb/outbox?page=true", headers=AP_ACCEPT)
    assert_golden("outbox_page", await page.json(content_type=None))


async def test_large_followers_collection_pages_through_every_follower_once(
    client: Any, db: Any, settings: Any
) -> None:
    await make_coop(db, settings, "fairbnb")
    await _follows(db, "fairbnb", 45, FollowDirection.inbound)
    await _follows(db, "fairbnb", 3, FollowDirection.inbound, state=FollowState.pending)
    await _follows(db, "fairbnb", 2, FollowDirection.outbound)
    collection, items, pages = await _walk(client, "/users/fairbnb/followers")
    assert collection["totalItems"] == 45
    assert len(items) == 45 and len(set(items)) == 45
    assert all(item.endswith("-accepted-inbound") for item in items)
    assert len(pages) == 3
    assert "max_id=" in pages[1] and "max_id=" in pages[2]
    following = await _walk(client, "/users/fairbnb/following")
    assert following[0]["totalItems"] == 2 and len(following[1]) == 2


async def test_outbox_lists_public_and_unlisted_creates_newest_first(
    client: Any, db: Any, settings: Any
) -> None:
    await make_coop(db, settings, "fairbnb")
    await _posts(db, "fairbnb", 25)
    await _posts(db, "fairbnb", 2, visibility=Visibility.unlisted)
    await _posts(db, "fairbnb", 3, visibility=Visibility.private)
    await _posts(db, "fairbnb", 2, visibility=Visibility.direct)
    await _posts(db, "fairbnb", 4, deleted_at=utcnow())
    collection, items, _pages = await _walk(client, "/users/fairbnb/outbox")
    assert collection["totalItems"] == 27
    assert len(items) == 27
    assert all(item["type"] == "Create" and item["object"]["type"] == "Note" for item in items)
    ids = [int(item["object"]["id"].rsplit("/", 1)[1]) for item in items]
    assert ids == sorted(ids, reverse=True)
    public = "https://www.w3.org/ns/activitystreams#Public"
    unlisted = [item for item in items if public in item["object"]["cc"]]
    assert len(unlisted) == 2


async def test_featured_lists_only_pinned_public_notes(client: Any, db: Any, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb")
    await _posts(db, "fairbnb", 3, pinned_at=utcnow())
    await _posts(db, "fairbnb", 5)
    await _posts(db, "fairbnb", 1, pinned_at=utcnow(), visibility=Visibility.private)
    collection, items, _pages = await _walk(client, "/users/fairbnb/featured")
    assert collection["totalItems"] == 3
    assert [item["type"] for item in items] == ["Note"] * 3


async def test_a_note_from_the_outbox_can_be_fetched_by_its_id(
    client: Any, db: Any, settings: Any
) -> None:
    await make_coop(db, settings, "fairbnb")
    await _posts(db, "fairbnb", 1)
    await _posts(db, "fairbnb", 1, visibility=Visibility.private)
    _collection, items, _pages = await _walk(client, "/users/fairbnb/outbox")
    note_id = items[0]["object"]["id"]
    response = await client.get(note_id.removeprefix("http://hub.test"), headers=AP_ACCEPT)
    note = await response.json(content_type=None)
    assert response.status == 200 and note["id"] == note_id
    assert note["contentMap"] == {"de": "<p>Beitrag 0</p>"}
    private = await client.get("/users/fairbnb/statuses/2", headers=AP_ACCEPT)
    assert private.status == 404


@pytest.mark.parametrize("max_id", ["abc", "-1", "0", "1.5", "99999999999999999999999"])
async def test_malformed_cursor_is_400(client: Any, db: Any, settings: Any, max_id: str) -> None:
    await make_coop(db, settings, "fairbnb")
    response = await client.get(
        f"/users/fairbnb/outbox?page=true&max_id={max_id}", headers=AP_ACCEPT
    )
    assert response.status == 400
    assert (await response.json()) == {"error": "max_id must be a positive whole number"}


async def test_collections_of_unknown_actors_are_404(client: Any) -> None:
    response = await client.get("/users/nobody/followers", headers=AP_ACCEPT)
    assert response.status == 404


async def test_instance_actor_collections_are_empty_collections(client: Any) -> None:
    collection, items, _pages = await _walk(client, "/actor/outbox")
    assert collection["id"] == "http://hub.test/actor/outbox"
    assert items == []
